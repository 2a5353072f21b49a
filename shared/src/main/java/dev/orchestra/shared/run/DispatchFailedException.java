package dev.orchestra.shared.run;

/** The compute target refused or could not take a run attempt (no such cluster, API error). */
public class DispatchFailedException extends RuntimeException {
  public static final String NAME = DispatchFailedException.class.getName();

  public DispatchFailedException(String message) {
    super(message);
  }

  public DispatchFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
