package dev.orchestra.functions.run;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.results.TaskOutcome;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.Errors;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.run.DispatchFailedException;
import dev.orchestra.shared.run.KubernetesJobFactory;
import dev.orchestra.shared.run.Workload;
import dev.orchestra.shared.run.WorkloadDispatcher;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The run state machine's steps: Dispatch, Record, RecordFailure. */
public class RunService {
  private static final Logger LOG = LoggerFactory.getLogger(RunService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * The image of a run.yml without one. Locally the process node runs the command in run.yml's
   * folder and never pulls it; on EKS such a Job fails to pull, and the run fails with the reason.
   */
  static final String NO_IMAGE = "orchestra.local/no-image:none";

  private final DynamoDbExperimentStore store;
  private final SuggestService suggest;
  private final Function<String, WorkloadDispatcher> dispatchers;
  private final RunCompletion completion;
  private final StepFunctions sfn;

  public RunService(
      DynamoDbExperimentStore store,
      SuggestService suggest,
      Function<String, WorkloadDispatcher> dispatchers,
      RunCompletion completion,
      StepFunctions sfn) {
    this.store = store;
    this.suggest = suggest;
    this.dispatchers = dispatchers;
    this.completion = completion;
    this.sfn = sfn;
  }

  /**
   * Dispatch: the run's assignments (suggested now on its first attempt), a nonce for this attempt
   * stored with the task token, then the workload on the target. The token never leaves the store;
   * the nonce goes only to the carrier.
   */
  public void dispatch(String experimentId, String runId, int attempt, String token) {
    long t0 = System.nanoTime();
    ExperimentRecord exp =
        store
            .experiment(experimentId)
            .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    // The attempt's nonce is minted once: the store keeps the first one written, so a retried or
    // concurrent invocation of the same attempt uses the nonce its Job was (or will be) made with.
    // The write returns the run, so it is not read separately (its carrier fields are untouched).
    RunRecord started =
        store
            .startAttempt(experimentId, runId, attempt, newNonce(), token)
            .orElseThrow(
                () ->
                    store.run(experimentId, runId).isEmpty()
                        ? new ExperimentNotFoundException(runId)
                        : new DispatchFailedException(
                            "run "
                                + runId
                                + " is no longer at attempt "
                                + attempt
                                + "; nothing started"));
    String nonce = started.nonce();
    if (started.resultAttempt() != null && started.resultAttempt() == attempt) {
      // The engine invoked Dispatch again for an attempt whose carrier already reported (it
      // retried the invocation across a router restart, after the result had been delivered to
      // the task). The workload has finished: hand its outcome to this task instead of waiting.
      boolean delivered =
          TaskOutcome.deliver(
              sfn, token, started.exitCode(), started.metrics(), started.outputTail());
      LOG.info("{} already reported; outcome re-delivered: {}", runId, delivered);
      return;
    }
    // Normally Refill (or Prepare) suggested the assignments with the run; if not, suggest now.
    Map<String, Object> assignments = suggest.assignmentsFor(exp, started);
    long suggested = System.nanoTime();
    ExperimentPlan plan = exp.plan();
    Workload workload =
        new Workload(
            experimentId,
            runId,
            attempt,
            nonce,
            assignments,
            plan.image() != null ? plan.image() : NO_IMAGE,
            plan.command(),
            plan.requests(),
            plan.limits(),
            plan.gpus(),
            plan.hasCredentials()
                ? KubernetesJobFactory.credentialsSecretName(runId, attempt)
                : null,
            plan.workdir());
    try {
      dispatchers.apply(plan.target()).dispatch(workload);
      LOG.info(
          "dispatched {} in {} ms (store {} ms)",
          workload.name(),
          (System.nanoTime() - t0) / 1_000_000,
          (suggested - t0) / 1_000_000);
    } catch (DispatchFailedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DispatchFailedException(
          "could not start " + workload.name() + " on " + plan.target() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Record: the carrier's result, checked against the experiment (optimized and constraint metrics
   * present and finite), becomes the run's one observation or its failure.
   */
  public void record(String experimentId, String runId, int attempt, Map<String, Object> result) {
    long t0 = System.nanoTime();
    // One read: the experiment, this run, and the runs Refill's suggestion learns from, if any.
    DynamoDbExperimentStore.Partition read = completion.read(experimentId, runId);
    ExperimentRecord exp = read.experiment();
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics =
        result == null ? null : (Map<String, Object>) result.get("metrics");
    Integer exitCode = result == null ? null : asInt(result.get("exitCode"));
    String tail = result == null ? null : (String) result.get("outputTail");
    Optional<String> problem = Accounting.metricProblem(exp.plan(), metrics);
    RunStatus status = problem.isPresent() ? RunStatus.FAILED : RunStatus.SUCCEEDED;
    String reason = problem.orElse(null);
    List<RunRecord.Attempt> attempts =
        attemptsWith(read.run(runId), runId, attempt, reason, exitCode);
    completion.complete(
        read, runId, attempt, new Outcome(status, metrics, reason, exitCode, tail, attempts));
    LOG.info(
        "recorded {} ({}) in {} ms", runId, status.wire(), (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * RecordFailure: the attempt's reason, the workload released (a Step Functions timeout alone
   * leaves the Job running and billing), then either the same run again with {@code attempt + 1}
   * (lost, interrupted) or the run's failure recorded and the experiment refilled.
   *
   * @return the run input for the next state: {@code retry} true to dispatch again
   */
  public RunInput recordFailure(RunInput input, String error, String cause) {
    String experimentId = input.experimentId();
    String runId = input.runId();
    int attempt = input.attempt();
    Map<String, Object> details = new java.util.HashMap<>(causeDetails(cause));
    RunRecord current =
        store.run(experimentId, runId).orElseThrow(() -> new ExperimentNotFoundException(runId));
    if ((Errors.STATES_TIMEOUT.equals(error) || Errors.STATES_HEARTBEAT_TIMEOUT.equals(error))
        && current.resultAttempt() != null
        && current.resultAttempt() == attempt
        && Integer.valueOf(0).equals(current.exitCode())) {
      // The carrier reported exit 0 and the results handler kept it, but the task never heard:
      // an engine can drop a token delivery that lands while it re-invokes Dispatch (moto does,
      // across a router restart). The carrier's report wins: it is recorded as Record would.
      LOG.info(
          "run {} attempt {}: {} after its carrier reported exit 0; recorded",
          runId,
          attempt,
          error);
      Map<String, Object> reported = new java.util.LinkedHashMap<>();
      reported.put("exitCode", 0);
      reported.put("metrics", current.metrics());
      reported.put("outputTail", current.outputTail());
      record(experimentId, runId, attempt, reported);
      return new RunInput(
          experimentId, runId, attempt, input.heartbeatSeconds(), input.timeoutSeconds(), false);
    }
    if (current.resultAttempt() != null && current.resultAttempt() == attempt) {
      // What the carrier reported, kept by the results handler (the cause may be cut or absent).
      details.putIfAbsent("exitCode", current.exitCode());
      details.putIfAbsent("outputTail", current.outputTail());
      if (current.metrics() != null) {
        details.putIfAbsent("metrics", current.metrics());
      }
    }
    details.values().removeIf(java.util.Objects::isNull);
    Integer exitCode = asInt(details.get("exitCode"));
    String message =
        details.containsKey("errorMessage") ? (String) details.get("errorMessage") : null;
    String reason =
        carrierSaysLost(
            Accounting.reasonFor(heartbeatOrTimeout(error, current, input), exitCode, message),
            current,
            attempt);
    LOG.info("run {} attempt {} failed: {} ({})", runId, attempt, reason, error);
    ExperimentRecord exp =
        store
            .experiment(experimentId)
            .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    try {
      dispatchers.apply(exp.plan().target()).release(runId, attempt);
    } catch (RuntimeException e) {
      // The workload may be gone with its node; the TTL removes a leftover. Recording must go on.
      LOG.warn("could not release {} attempt {}: {}", runId, attempt, e.toString());
    }
    List<RunRecord.Attempt> attempts =
        attemptsWith(Optional.of(current), runId, attempt, reason, exitCode);
    if (Accounting.retries(reason, attempt, exp.stopped())) {
      boolean moved = store.nextAttempt(experimentId, runId, attempt, attempts);
      int now = store.run(experimentId, runId).map(RunRecord::attempt).orElse(attempt);
      if (moved || now == attempt + 1) {
        return new RunInput(
            experimentId,
            runId,
            attempt + 1,
            input.heartbeatSeconds(),
            input.timeoutSeconds(),
            true);
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = (Map<String, Object>) details.get("metrics");
    String tail = (String) details.get("outputTail");
    completion.complete(
        experimentId,
        runId,
        attempt,
        new Outcome(RunStatus.FAILED, metrics, reason, exitCode, tail, attempts));
    return new RunInput(
        experimentId, runId, attempt, input.heartbeatSeconds(), input.timeoutSeconds(), false);
  }

  /**
   * moto's engine reports a missed heartbeat as {@code States.Timeout} (AWS names it {@code
   * States.HeartbeatTimeout}): a "timeout" when no heartbeat came for a whole heartbeat period was
   * the heartbeat's.
   */
  static String heartbeatOrTimeout(String error, RunRecord run, RunInput input) {
    if (Errors.STATES_TIMEOUT.equals(error) && run.lastSignAt() != null) {
      long silentMs = System.currentTimeMillis() - run.lastSignAt();
      if (silentMs >= input.heartbeatSeconds() * 1000L) {
        return Errors.STATES_HEARTBEAT_TIMEOUT;
      }
    }
    return error;
  }

  /**
   * A heartbeat loss (or a timeout: moto names the heartbeat's {@code States.Timeout}, and a late
   * heartbeat from the dead carrier can make it look like one) whose carrier has since reported the
   * attempt lost (a result with no exit code, kept by the results handler) is the carrier's loss:
   * the runtime carrying it died and stayed down longer than the heartbeat timeout. It is retried
   * like any lost run.
   */
  static String carrierSaysLost(String reason, RunRecord run, int attempt) {
    if ((Reasons.HEARTBEAT_LOST.equals(reason) || Reasons.TIMEOUT.equals(reason))
        && run.resultAttempt() != null
        && run.resultAttempt() == attempt
        && run.exitCode() == null) {
      return Reasons.LOST;
    }
    return reason;
  }

  private static List<RunRecord.Attempt> attemptsWith(
      Optional<RunRecord> read, String runId, int attempt, String reason, Integer exitCode) {
    RunRecord run = read.orElseThrow(() -> new ExperimentNotFoundException(runId));
    List<RunRecord.Attempt> list = new ArrayList<>();
    for (RunRecord.Attempt a : run.attempts()) {
      if (a.attempt() != attempt) {
        list.add(a);
      }
    }
    list.add(new RunRecord.Attempt(attempt, reason, exitCode));
    return list;
  }

  /** The cause of a Step Functions error: JSON from our carrier or a Lambda error, else text. */
  static Map<String, Object> causeDetails(String cause) {
    if (cause == null || cause.isBlank()) {
      return Map.of();
    }
    try {
      Map<String, Object> m = Json.readMap(cause);
      return m == null ? Map.of() : m;
    } catch (IllegalArgumentException notJson) {
      return Map.of("errorMessage", cause.length() > 500 ? cause.substring(0, 500) : cause);
    }
  }

  private static Integer asInt(Object v) {
    return v instanceof Number n ? n.intValue() : null;
  }

  private static String newNonce() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
