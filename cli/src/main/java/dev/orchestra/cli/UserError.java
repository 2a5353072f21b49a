package dev.orchestra.cli;

import java.util.List;

/**
 * A mistake the user can fix, or an environment problem they must fix: printed as one message (and
 * optional detail lines, e.g. findings), never as a stack trace.
 *
 * <p>Exit codes, the same for every command: 0 ok; 1 the thing failed (an experiment failed, a file
 * is invalid); 2 a user or configuration error (bad option, invalid file, unknown id); 3 an
 * environment problem (an endpoint that does not answer, missing credentials, the emulator did not
 * start); 70 a bug in Orchestra; 130 interrupted.
 */
public class UserError extends RuntimeException {
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int ENVIRONMENT = 3;

  private final int exitCode;
  private final List<String> details;

  public UserError(String message) {
    this(message, USAGE);
  }

  public UserError(String message, int exitCode) {
    this(message, exitCode, List.of());
  }

  public UserError(String message, int exitCode, List<String> details) {
    super(message);
    this.exitCode = exitCode;
    this.details = List.copyOf(details);
  }

  public int exitCode() {
    return exitCode;
  }

  /** Lines printed after the message (findings, hints). */
  public List<String> details() {
    return details;
  }
}
