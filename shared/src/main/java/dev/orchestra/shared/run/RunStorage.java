package dev.orchestra.shared.run;

/**
 * Where a run's files live in the stack's bucket: under {@code runs/<experiment id>/<run id>/}.
 *
 * <p>A carrier uploads an attempt's output while it runs (each time it grew, up to {@link
 * #PARTIAL_OUTPUT_LIMIT} bytes) with the user metadata {@link #OUTPUT_STATE} = {@link #PARTIAL},
 * and once more, whole, when the attempt ended, with {@link #FINAL}. An object without the metadata
 * is a final one (carriers before periodic uploads wrote only that).
 */
public final class RunStorage {
  private RunStorage() {}

  /** The S3 user-metadata key ({@code x-amz-meta-orchestra-output}) telling partial from final. */
  public static final String OUTPUT_STATE = "orchestra-output";

  public static final String PARTIAL = "partial";
  public static final String FINAL = "final";

  /** A running attempt's output is uploaded up to this many bytes; the final upload is whole. */
  public static final long PARTIAL_OUTPUT_LIMIT = 8L * 1024 * 1024;

  /** {@code runs/<experiment id>/<run id>/}, with the trailing slash. */
  public static String prefix(String experimentId, String runId) {
    return "runs/" + experimentId + "/" + runId + "/";
  }

  /** The full output (stdout and stderr) of one attempt, uploaded by its carrier. */
  public static String outputKey(String experimentId, String runId, int attempt) {
    return prefix(experimentId, runId) + "a" + attempt + "/output.log";
  }
}
