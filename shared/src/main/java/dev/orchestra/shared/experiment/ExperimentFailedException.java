package dev.orchestra.shared.experiment;

/** The experiment execution's final error when it ended failed (its Fail state's name). */
public class ExperimentFailedException extends RuntimeException {
  public static final String NAME = ExperimentFailedException.class.getName();

  public ExperimentFailedException(String message) {
    super(message);
  }
}
