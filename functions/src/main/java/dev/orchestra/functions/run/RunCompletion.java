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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Record and Refill in one step: writes a run's final outcome, frees its slot, and in the same
 * transaction issues the next run when the budget, the failure limit and the stop flag allow; then
 * starts that run's execution, or, when nothing runs and nothing more will, completes the
 * experiment's WaitUntilDone task. Every step is safe to repeat: a retried call finds the run final
 * and only re-does the idempotent side effects (start the recorded next run, signal done).
 */
public class RunCompletion {
  private static final int MAX_CONFLICTS = 50;
  private static final int REMEMBERED_EXPERIMENTS = 1024;

  /**
   * Experiments whose searcher does not learn from their runs (random search), as learned from an
   * earlier read in this warm function: their reads fetch the experiment and the run alone, not the
   * whole partition. The plan never changes, so a stale entry cannot exist; a cold function reads
   * the partition once.
   */
  private final Map<String, Boolean> learnsFromRuns =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > REMEMBERED_EXPERIMENTS;
            }
          });

  private final DynamoDbExperimentStore store;
  private final RunIssuer issuer;
  private final StepFunctions sfn;
  private final StatusFiles status;
  private final SuggestService suggest;

  /**
   * @param suggest suggests the next run's assignments inside the finishing transaction; null to
   *     leave them to the next run's Dispatch
   */
  public RunCompletion(
      DynamoDbExperimentStore store,
      RunIssuer issuer,
      StepFunctions sfn,
      StatusFiles status,
      SuggestService suggest) {
    this.store = store;
    this.issuer = issuer;
    this.sfn = sfn;
    this.status = status;
    this.suggest = suggest;
  }

  public void complete(String experimentId, String runId, int attempt, Outcome outcome) {
    complete(read(experimentId, runId), runId, attempt, outcome);
  }

  /**
   * What finishing {@code runId} needs: the experiment and the run, and every run when the next
   * suggestion learns from them (one Query of the partition); otherwise the experiment and the run
   * alone (one BatchGetItem, which does not grow with the runs).
   */
  public DynamoDbExperimentStore.Partition read(String experimentId, String runId) {
    Optional<DynamoDbExperimentStore.Partition> read =
        Boolean.FALSE.equals(learnsFromRuns.get(experimentId))
            ? store.experimentAndRun(experimentId, runId)
            : store.partition(experimentId);
    DynamoDbExperimentStore.Partition p =
        read.orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    learnsFromRuns.put(
        experimentId, suggest != null && p.experiment().plan().type().learnsFromRuns());
    return p;
  }

  /**
   * As above, starting from the experiment and its runs as the caller just read them (one Query); a
   * conflict reads them again.
   */
  public void complete(
      DynamoDbExperimentStore.Partition first, String runId, int attempt, Outcome outcome) {
    String experimentId = first.experiment().id();
    DynamoDbExperimentStore.Partition read = first;
    for (int i = 0; i < MAX_CONFLICTS; i++) {
      if (i > 0) {
        read = read(experimentId, runId);
      }
      ExperimentRecord exp = read.experiment();
      Accounting.Counters after = afterThis(exp, outcome.status());
      boolean issueNext =
          exp.status() == ExperimentStatus.RUNNING
              && !after.stopped()
              && after.issued() < exp.plan().budget()
              && after.failed() < exp.plan().maxFailedRuns();
      String next = issueNext ? ExperimentIds.runId(experimentId, exp.issued() + 1) : null;
      DynamoDbExperimentStore.Suggestion suggestion = null;
      if (next != null && suggest != null) {
        // Refill suggests the next run's assignments from the observations including this one,
        // committed in the same transaction: that run's Dispatch then has nothing to suggest and
        // does not race the others on the optimizer version.
        RunRecord finishing =
            read.run(runId)
                .map(r -> r.finishedAs(outcome.status(), outcome.metrics()))
                .orElse(null);
        suggestion =
            finishing == null
                ? null
                : suggest.suggest(exp, read.runs(), next, finishing).orElse(null);
      }
      FinishResult result = store.finishRun(exp, runId, attempt, outcome, next, suggestion);
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
