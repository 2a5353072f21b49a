package dev.orchestra.functions.experiment;

import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.run.RunCompletion;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.run.WorkloadDispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops an experiment: sets its stop flag (no run is issued after it), aborts each unfinished run's
 * execution (named by the run id), releases its workload (deletes the Job, which stops the pod or
 * the local process), and records the run {@code stopped} through the store's conditional writes.
 * The last run recorded completes the experiment's WaitUntilDone task, and Finalize writes status
 * {@code stopped}. Every step is idempotent: stopping twice, or racing a run that just finished,
 * changes nothing the first call did not.
 */
public class ExperimentStopper {
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentStopper.class);

  private final DynamoDbExperimentStore store;
  private final StepFunctions sfn;
  private final Function<String, WorkloadDispatcher> dispatchers;
  private final RunCompletion completion;
  private final String runStateMachineArn;

  public ExperimentStopper(
      DynamoDbExperimentStore store,
      StepFunctions sfn,
      Function<String, WorkloadDispatcher> dispatchers,
      RunCompletion completion,
      String runStateMachineArn) {
    this.store = store;
    this.sfn = sfn;
    this.dispatchers = dispatchers;
    this.completion = completion;
    this.runStateMachineArn = runStateMachineArn;
  }

  /** Stops {@code experimentId}; returns the experiment as it is afterwards. */
  public ExperimentRecord stop(String experimentId) {
    ExperimentRecord exp = experiment(experimentId);
    if (exp.status().isFinal()) {
      return exp;
    }
    store.requestStop(experimentId);
    for (RunRecord run : store.runs(experimentId)) {
      if (run.status() != RunStatus.PENDING && run.status() != RunStatus.RUNNING) {
        continue;
      }
      // The execution first, so it records nothing after this; then the workload.
      boolean aborted =
          sfn.stop(
              StepFunctions.executionArn(runStateMachineArn, run.runId()),
              "experiment " + experimentId + " stopped");
      if (aborted && run.token() != null) {
        // In AWS the aborted execution's token is void and this is a no-op. moto keeps a stopped
        // execution blocked in its waiting task until the heartbeat times out (and then reports
        // it FAILED); closing the task wakes it, and it ends ABORTED without entering another
        // state. A success, not a failure: a failure would be matched by the Catch first.
        sfn.success(run.token(), "{\"stopped\":true}");
      }
      release(exp.plan().target(), run);
      List<RunRecord.Attempt> attempts = new ArrayList<>();
      run.attempts().stream().filter(a -> a.attempt() != run.attempt()).forEach(attempts::add);
      attempts.add(new RunRecord.Attempt(run.attempt(), Reasons.STOPPED, null));
      completion.complete(
          experimentId,
          run.runId(),
          run.attempt(),
          new Outcome(RunStatus.STOPPED, null, Reasons.STOPPED, null, null, attempts));
      LOG.info("stopped {} (execution aborted: {})", run.runId(), aborted);
    }
    ExperimentRecord now = experiment(experimentId);
    // No run was left to record (none issued yet, or all ended): complete the wait here.
    completion.signalIfDone(now);
    return now;
  }

  private void release(String target, RunRecord run) {
    try {
      dispatchers.apply(target).release(run.runId(), run.attempt());
    } catch (RuntimeException e) {
      // Its node may be gone; the Job's TTL removes a leftover. The stop goes on.
      LOG.warn("could not release {} attempt {}: {}", run.runId(), run.attempt(), e.toString());
    }
  }

  private ExperimentRecord experiment(String id) {
    return store.experiment(id).orElseThrow(() -> new ExperimentNotFoundException(id));
  }
}
