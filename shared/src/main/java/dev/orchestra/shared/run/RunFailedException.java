package dev.orchestra.shared.run;

/**
 * The training process ended with a non-zero exit code. The results handler fails the Dispatch task
 * with this name; its cause carries the exit code and the output tail.
 */
public class RunFailedException extends RuntimeException {
  public static final String NAME = RunFailedException.class.getName();

  public RunFailedException(String message) {
    super(message);
  }
}
