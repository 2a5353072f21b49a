package dev.orchestra.shared.run;

/** Where a run's files live in the stack's bucket: under {@code runs/<experiment id>/<run id>/}. */
public final class RunStorage {
  private RunStorage() {}

  /** {@code runs/<experiment id>/<run id>/}, with the trailing slash. */
  public static String prefix(String experimentId, String runId) {
    return "runs/" + experimentId + "/" + runId + "/";
  }

  /** The full output (stdout and stderr) of one attempt, uploaded by its carrier. */
  public static String outputKey(String experimentId, String runId, int attempt) {
    return prefix(experimentId, runId) + "a" + attempt + "/output.log";
  }
}
