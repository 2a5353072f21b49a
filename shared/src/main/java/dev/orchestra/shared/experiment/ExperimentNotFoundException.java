package dev.orchestra.shared.experiment;

/** A state machine or message named an experiment (or run) the store does not hold. */
public class ExperimentNotFoundException extends RuntimeException {
  public static final String NAME = ExperimentNotFoundException.class.getName();

  public ExperimentNotFoundException(String id) {
    super("experiment or run " + id + " is not in the store; it was never accepted or was deleted");
  }

  /** For the kinds of not-found that say more (an unknown run of a known experiment). */
  protected ExperimentNotFoundException(String id, String message) {
    super(message);
  }
}
