package dev.orchestra.shared.run;

/**
 * The run's carrier vanished with its process (the local runtime crashed, a node died): the attempt
 * is failed as {@code lost} and retried with the same run id and {@code attempt + 1}.
 */
public class RunLostException extends RuntimeException {
  public static final String NAME = RunLostException.class.getName();

  public RunLostException(String message) {
    super(message);
  }
}
