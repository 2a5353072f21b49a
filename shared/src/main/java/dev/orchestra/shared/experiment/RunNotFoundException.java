package dev.orchestra.shared.experiment;

/**
 * A caller named a run (or an attempt of it) that the store does not hold. A kind of {@link
 * ExperimentNotFoundException}, so whoever turns "not found" into a 404 treats both alike.
 */
public class RunNotFoundException extends ExperimentNotFoundException {

  public RunNotFoundException(String experimentId, String runId) {
    super(
        experimentId,
        "run "
            + runId
            + " is not a run of experiment "
            + experimentId
            + "; list the experiment's runs to see their ids");
  }

  public RunNotFoundException(String experimentId, String runId, int attempt, int current) {
    super(
        experimentId,
        "run "
            + runId
            + " of experiment "
            + experimentId
            + " has no attempt "
            + attempt
            + "; its attempts are 1 to "
            + current);
  }
}
