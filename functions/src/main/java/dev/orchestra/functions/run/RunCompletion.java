package dev.orchestra.functions.run;

import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.experiment.RunIssuer;
import dev.orchestra.functions.experiment.StatusFiles;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.FinishResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;

/**
 * Record and Refill in one step: writes a run's final outcome, frees its slot, and in the same
 * transaction issues the next run when the budget, the failure limit and the stop flag allow; then
 * starts that run's execution, or, when nothing runs and nothing more will, completes the
 * experiment's WaitUntilDone task. Every step is safe to repeat: a retried call finds the run final
 * and only re-does the idempotent side effects (start the recorded next run, signal done).
 */
public class RunCompletion {
  private static final int MAX_CONFLICTS = 50;
  private final DynamoDbExperimentStore store;
  private final RunIssuer issuer;
  private final StepFunctions sfn;
  private final StatusFiles status;

  public RunCompletion(
      DynamoDbExperimentStore store, RunIssuer issuer, StepFunctions sfn, StatusFiles status) {
    this.store = store;
    this.issuer = issuer;
    this.sfn = sfn;
    this.status = status;
  }

  public void complete(String experimentId, String runId, int attempt, Outcome outcome) {
    complete(experiment(experimentId), runId, attempt, outcome);
  }

  /** As above, starting from the experiment as the caller just read it. */
  public void complete(ExperimentRecord first, String runId, int attempt, Outcome outcome) {
    String experimentId = first.id();
    for (int i = 0; i < MAX_CONFLICTS; i++) {
      ExperimentRecord exp = i == 0 ? first : experiment(experimentId);
      Accounting.Counters after = afterThis(exp, outcome.status());
      boolean issueNext =
          exp.status() == ExperimentStatus.RUNNING
              && !after.stopped()
              && after.issued() < exp.plan().budget()
              && after.failed() < exp.plan().maxFailedRuns();
      String next = issueNext ? ExperimentIds.runId(experimentId, exp.issued() + 1) : null;
      FinishResult result = store.finishRun(exp, runId, attempt, outcome, next);
      if (result == FinishResult.CONFLICT) {
        continue;
      }
      if (result == FinishResult.ALREADY_FINISHED) {
        next = store.run(experimentId, runId).map(RunRecord::next).orElse(null);
      }
      if (next != null) {
        issuer.start(exp, next);
      }
      // Read back when no run was handed the slot (the experiment may have ended; concurrent
      // finishers and the token's arrival make our read stale) or a status file wants the counts.
      boolean mayBeDone = next == null;
      if (mayBeDone || exp.statusKey() != null || result == FinishResult.ALREADY_FINISHED) {
        ExperimentRecord now = experiment(experimentId);
        signalIfDone(now);
        status.progress(now);
      }
      return;
    }
    throw new IllegalStateException(
        "run "
            + runId
            + " could not be recorded: the experiment's counters kept changing; the task retries");
  }

  /** Completes the experiment's wait when nothing runs and nothing more will be issued. */
  public void signalIfDone(ExperimentRecord exp) {
    if (exp.token() != null && Accounting.isDone(exp.plan(), exp.counters())) {
      sfn.success(exp.token(), "{}");
    }
  }

  private ExperimentRecord experiment(String id) {
    return store.experiment(id).orElseThrow(() -> new ExperimentNotFoundException(id));
  }

  private static Accounting.Counters afterThis(ExperimentRecord e, RunStatus status) {
    return new Accounting.Counters(
        e.issued(),
        e.running() - 1,
        e.succeeded() + (status == RunStatus.SUCCEEDED ? 1 : 0),
        e.failed() + (status == RunStatus.FAILED ? 1 : 0),
        e.stopped());
  }
}
