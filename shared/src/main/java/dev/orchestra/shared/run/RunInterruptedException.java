package dev.orchestra.shared.run;

/** The run's node was taken away (spot interruption): the attempt is retried, not charged. */
public class RunInterruptedException extends RuntimeException {
  public static final String NAME = RunInterruptedException.class.getName();

  public RunInterruptedException(String message) {
    super(message);
  }
}
