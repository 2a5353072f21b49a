package dev.orchestra.functions.results;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.pool.PoolStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.run.ResultMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns carrier messages into task-token calls. A message must name a run the store holds, at its
 * current attempt, with that attempt's nonce; anything else is rejected and logged, never applied.
 * Idempotent on (run id, attempt): a repeated result finds the task closed (ignored) and Record's
 * conditional write keeps one observation per run.
 */
public class ResultsService {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsService.class);

  /** What happened to one message. */
  public enum Verdict {
    APPLIED,
    /** The task had closed already: a duplicate or a late message. */
    ALREADY_CLOSED,
    REJECTED
  }

  private final DynamoDbExperimentStore store;
  private final StepFunctions sfn;
  private final PoolStore pools;

  public ResultsService(DynamoDbExperimentStore store, StepFunctions sfn) {
    this(store, sfn, null);
  }

  /**
   * @param pools where pool agents' reports go, or null when the deployment has no pools table
   */
  public ResultsService(DynamoDbExperimentStore store, StepFunctions sfn, PoolStore pools) {
    this.store = store;
    this.sfn = sfn;
    this.pools = pools;
  }

  /**
   * One message body off the results queue: a pool agent's report ({@code "kind": "agent"}) goes to
   * the pool store, anything else is decoded as a carrier's {@link ResultMessage}.
   *
   * @throws IllegalArgumentException when the body is neither
   */
  public Verdict handle(String body) {
    JsonNode tree = Json.read(body, JsonNode.class);
    if (tree != null && AgentReport.KIND.equals(tree.path("kind").asText(null))) {
      return agent(Json.read(body, AgentReport.class));
    }
    return handle(Json.read(body, ResultMessage.class));
  }

  /**
   * Stores an agent's report (a later one already stored wins). A report for a pool there is no
   * record of is logged and dropped.
   */
  public Verdict agent(AgentReport r) {
    if (r == null
        || r.version() != AgentReport.VERSION
        || r.pool() == null
        || r.instanceId() == null
        || !(AgentReport.IDLE.equals(r.state()) || AgentReport.BUSY.equals(r.state()))) {
      LOG.warn("rejected an agent report: unknown version, or no pool, instance or state");
      return Verdict.REJECTED;
    }
    if (pools == null || pools.get(r.pool()).isEmpty()) {
      LOG.warn("dropped the report of instance {}: no pool named {}", r.instanceId(), r.pool());
      return Verdict.REJECTED;
    }
    boolean stored = pools.recordAgent(r);
    if (stored) {
      LOG.info(
          "pool {} instance {} is {}{}",
          r.pool(),
          r.instanceId(),
          r.state(),
          r.busy() ? " with " + r.runId() + " attempt " + r.attempt() : "");
    }
    return stored ? Verdict.APPLIED : Verdict.ALREADY_CLOSED;
  }

  public Verdict handle(ResultMessage m) {
    Optional<String> malformed = shapeProblem(m);
    // One read of the run serves the checks and the token.
    Optional<RunRecord> read =
        malformed.isPresent() ? Optional.empty() : store.run(m.experimentId(), m.runId());
    Optional<String> problem = malformed.isPresent() ? malformed : problem(m, read);
    if (problem.isPresent()) {
      if (m == null) {
        LOG.warn("rejected a message: {}", problem.get());
      } else {
        LOG.warn(
            "rejected {} for run {} of experiment {} attempt {}: {}",
            m.kind(),
            m.runId(),
            m.experimentId(),
            m.attempt(),
            problem.get());
      }
      return Verdict.REJECTED;
    }
    RunRecord run = read.orElseThrow();
    if (m.kind() == ResultMessage.Kind.RESULT) {
      store.putCarrierResult(
          m.experimentId(), m.runId(), m.attempt(), m.exitCode(), m.metrics(), m.outputTail());
    }
    boolean delivered;
    if (m.kind() == ResultMessage.Kind.HEARTBEAT) {
      store.touchHeartbeat(m.experimentId(), m.runId(), m.attempt());
      delivered = sfn.heartbeat(run.token());
    } else {
      delivered = TaskOutcome.deliver(sfn, run.token(), m.exitCode(), m.metrics(), m.outputTail());
    }
    if (m.kind() == ResultMessage.Kind.RESULT) {
      LOG.info("result of {} attempt {} delivered: {}", m.runId(), m.attempt(), delivered);
    }
    return delivered ? Verdict.APPLIED : Verdict.ALREADY_CLOSED;
  }

  /**
   * What is wrong with a message on its face, before the store is asked: version, required fields,
   * a run id of the named experiment. Pure; never throws.
   */
  public static Optional<String> shapeProblem(ResultMessage m) {
    if (m == null) {
      return Optional.of("empty message");
    }
    if (m.version() != ResultMessage.VERSION) {
      return Optional.of("unknown message version " + m.version());
    }
    if (m.runId() == null || m.experimentId() == null || m.kind() == null) {
      return Optional.of("experiment_id, run_id and kind are required");
    }
    if (!m.runId().startsWith(m.experimentId() + "-r")
        || !ExperimentIds.experimentOf(m.runId()).equals(m.experimentId())) {
      return Optional.of("run " + m.runId() + " is not of experiment " + m.experimentId());
    }
    return Optional.empty();
  }

  private static Optional<String> problem(ResultMessage m, Optional<RunRecord> run) {
    if (run.isEmpty()) {
      return Optional.of("no such run in the store");
    }
    RunRecord r = run.get();
    if (r.status().isFinal()) {
      return Optional.of("the run is already " + r.status().wire());
    }
    if (r.attempt() != m.attempt()) {
      return Optional.of("the run is at attempt " + r.attempt());
    }
    if (r.nonce() == null || m.nonce() == null || !sameSecret(r.nonce(), m.nonce())) {
      return Optional.of("nonce does not match the attempt's");
    }
    if (r.token() == null) {
      return Optional.of("the attempt has no open task");
    }
    return Optional.empty();
  }

  private static boolean sameSecret(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
