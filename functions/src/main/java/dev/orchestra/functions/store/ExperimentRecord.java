package dev.orchestra.functions.store;

import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.ExperimentStatus;

/**
 * The experiment as stored.
 *
 * @param statusKey the S3 key of experiments/&lt;folder&gt;/experiment.status.json, or null when
 *     submitted without a drop folder
 * @param token the experiment execution's WaitUntilDone task token, null until it waits
 * @param optimizerVersion bumped by every committed suggestion (the Suggest serialization point)
 * @param optimizerState the searcher's state JSON, or null when it lives in S3
 * @param optimizerStateKey the S3 key of the state when it is too big for the item
 * @param best JSON list of the best runs, set by Finalize
 * @param error why the experiment failed, if it did
 * @param finishedAt when Finalize first wrote the final status, null before
 */
public record ExperimentRecord(
    String id,
    String name,
    ExperimentStatus status,
    String bucket,
    String statusKey,
    ExperimentPlan plan,
    int issued,
    int running,
    int succeeded,
    int failed,
    boolean stopped,
    String token,
    long optimizerVersion,
    String optimizerState,
    String optimizerStateKey,
    String best,
    String error,
    String createdAt,
    String finishedAt) {

  public ExperimentRecord(
      String id,
      String name,
      ExperimentStatus status,
      String bucket,
      String statusKey,
      ExperimentPlan plan,
      int issued,
      int running,
      int succeeded,
      int failed,
      boolean stopped,
      String token,
      long optimizerVersion,
      String optimizerState,
      String optimizerStateKey,
      String best,
      String error,
      String createdAt) {
    this(
        id,
        name,
        status,
        bucket,
        statusKey,
        plan,
        issued,
        running,
        succeeded,
        failed,
        stopped,
        token,
        optimizerVersion,
        optimizerState,
        optimizerStateKey,
        best,
        error,
        createdAt,
        null);
  }

  public Accounting.Counters counters() {
    return new Accounting.Counters(issued, running, succeeded, failed, stopped);
  }

  /** A new, pending experiment. */
  public static ExperimentRecord pending(
      String id, ExperimentPlan plan, String bucket, String statusKey, String createdAt) {
    return new ExperimentRecord(
        id,
        plan.name(),
        ExperimentStatus.PENDING,
        bucket,
        statusKey,
        plan,
        0,
        0,
        0,
        0,
        false,
        null,
        0,
        null,
        null,
        null,
        null,
        createdAt);
  }
}
