package dev.orchestra.shared.experiment;

import java.util.Set;

/** The {@code reason} an attempt carries when it did not succeed (DESIGN.md, accounting). */
public final class Reasons {
  private Reasons() {}

  public static final String HEARTBEAT_LOST = "heartbeat lost";
  public static final String TIMEOUT = "timeout";
  public static final String LOST = "lost";
  public static final String INTERRUPTED = "interrupted";
  public static final String STOPPED = "stopped";

  /** Reasons that retry the same run with {@code attempt + 1}, not charged to max_failed_runs. */
  public static final Set<String> RETRYABLE = Set.of(LOST, INTERRUPTED);

  /** A retried run gives up after this many attempts and counts as failed. */
  public static final int MAX_ATTEMPTS = 3;

  /** {@code exit 3}. */
  public static String exit(int code) {
    return "exit " + code;
  }
}
