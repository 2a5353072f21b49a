package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.loop.ControlPlanePlan;
import dev.orchestra.local.node.ProcessNode;
import dev.orchestra.local.state.LocalStack;
import dev.orchestra.local.state.LocalState;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Observation;
import dev.orchestra.shared.search.Searcher;
import dev.orchestra.shared.search.SearcherState;
import dev.orchestra.shared.search.Searchers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime JVM is SIGKILLed while runs are in flight; {@code local up} starts a new one on the
 * same router port (moto keeps running), whose process node reports the attempts the dead one
 * carried as lost: the control plane retries them (same run id, attempt 2) and the experiment ends
 * with exactly its budget of runs.
 */
class RuntimeCrashTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  @TempDir Path workdir;
  private final List<String> progress = new CopyOnWriteArrayList<>();
  private LocalStack stack;

  @AfterEach
  void down() throws IOException {
    if (stack != null) {
      stack.down();
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The process node's ledger: workload name → entry, for entries whose process runs. */
  private Map<String, JsonNode> ledgerWithProcesses() {
    Path dir = home.resolve("local").resolve(ProcessNode.LEDGER_DIR);
    if (!Files.isDirectory(dir)) {
      return Map.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      Map<String, JsonNode> entries = new LinkedHashMap<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        try {
          JsonNode e = JSON.readTree(f.toFile());
          if (e.hasNonNull("pid") && alive(e.get("pid").asLong())) {
            entries.put(f.getFileName().toString(), e);
          }
        } catch (IOException removedMeanwhile) {
          // the attempt finished while we listed
        }
      }
      return entries;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static OrchestraConfig config(LocalState state) {
    LocalEnvironment env =
        new LocalEnvironment(
            state.region(),
            LocalEnvironment.ACCOUNT_ID,
            state.awsEndpoint(),
            state.kubernetesEndpoint(),
            TimeScale.parse(state.timeScale()));
    Map<String, String> values = new LinkedHashMap<>(env.baseConfig());
    values.putAll(new ControlPlanePlan().plan(env).config());
    return new OrchestraConfig(values);
  }

  /** Whether the run's execution has entered a state, or recorded an event of the given type. */
  private static boolean reached(
      LocalAwsClients aws, LocalState state, String runId, String stateOrEvent) {
    String arn =
        new LocalEnvironment(
                    state.region(),
                    LocalEnvironment.ACCOUNT_ID,
                    state.awsEndpoint(),
                    state.kubernetesEndpoint(),
                    TimeScale.parse(state.timeScale()))
                .stateMachineArn(ControlPlanePlan.RUN_MACHINE)
                .replace(":stateMachine:", ":execution:")
            + ":"
            + runId;
    return aws
        .sfn()
        .getExecutionHistory(b -> b.executionArn(arn).maxResults(1000))
        .events()
        .stream()
        .anyMatch(
            e ->
                stateOrEvent.equals(e.typeAsString())
                    || (e.stateEnteredEventDetails() != null
                        && stateOrEvent.equals(e.stateEnteredEventDetails().name())));
  }

  /**
   * Time scale 0.02: the heartbeat timeout is 12 s. The first crash is followed by {@code local up}
   * at once (usually back before the heartbeat times out); the second waits until moto's engine has
   * timed out the lost attempts' heartbeats, so their carrier's report comes after the timeout.
   */
  @Test
  void killMinus9WithRunsInFlight_thenUp_retriesTheLostRuns_andTheCountStaysExact()
      throws IOException {
    TimeScale scale = new TimeScale(0.02);
    stack = new LocalStack(home, progress::add);
    LocalState state = stack.up(scale);
    String id;
    try (LoopContext ctx = new LoopContext(config(state))) {
      IntakeService.Result accepted =
          ctx.intake()
              .submit(
                  """
                  name: crash
                  type: offline
                  metrics: [{name: value}]
                  parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
                  budget: 6
                  parallel_bandwidth: 2
                  """,
                  """
                  run: |
                    sleep 6; echo "{\\"value\\": $ORCHESTRA_PARAM_X}" > "$ORCHESTRA_METRICS_FILE"
                  """,
                  UUID.randomUUID().toString(),
                  null,
                  workdir.toString(),
                  null);
      assertThat(accepted.findings()).isEmpty();
      id = accepted.experimentId();
    }

    Set<String> lostRuns = new HashSet<>();
    state = crashAndRestart(state, scale, lostRuns, false);
    state = crashAndRestart(state, scale, lostRuns, true);
    assertThat(lostRuns).hasSize(4);

    try (LoopContext ctx = new LoopContext(config(state))) {
      ExperimentRecord end = Poll.experimentEnd(ctx.store(), id, Duration.ofSeconds(120));
      List<RunRecord> runs = ctx.store().runs(id);

      assertThat(end.status()).as(runs.toString()).isEqualTo(ExperimentStatus.SUCCEEDED);
      assertThat(end.issued()).isEqualTo(6);
      assertThat(end.succeeded()).as(runs.toString()).isEqualTo(6);
      assertThat(end.failed()).isZero();
      assertThat(runs.stream().map(RunRecord::runId).distinct()).hasSize(6);
      assertThat(runs)
          .hasSize(6)
          .allSatisfy(
              r -> {
                assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                // One observation per run: the metrics its last attempt reported.
                assertThat(((Number) r.metrics().get("value")).doubleValue())
                    .isEqualTo(((Number) r.assignments().get("x")).doubleValue());
              });
      for (RunRecord r : runs) {
        if (lostRuns.contains(r.runId())) {
          assertThat(r.attempt()).as(r.runId()).isEqualTo(2);
          assertThat(r.attempts())
              .as(r.runId())
              .containsExactly(
                  new RunRecord.Attempt(1, Reasons.LOST, null), new RunRecord.Attempt(2, null, 0));
        } else {
          assertThat(r.attempt()).as(r.runId()).isEqualTo(1);
          assertThat(r.attempts()).as(r.runId()).allMatch(a -> a.reason() == null);
        }
      }
    }
    assertThat(ledgerWithProcesses()).isEmpty();
    try (LoopContext ctx = new LoopContext(config(state))) {
      assertOptimizerStateMatchesANoCrashTwin(ctx.store().experiment(id).orElseThrow(), ctx);
    }
  }

  /**
   * The Bayesian searcher's state as restored after two kill -9s is the state a twin that never
   * crashed would hold (same seed, as many suggestions), and both give the same next suggestion
   * from the same observations.
   */
  private static void assertOptimizerStateMatchesANoCrashTwin(ExperimentRecord e, LoopContext ctx) {
    SearcherState stored =
        dev.orchestra.functions.Json.read(e.optimizerState(), SearcherState.class);
    assertThat(stored.suggested()).as("one suggestion per run, none lost or repeated").isEqualTo(6);
    Searcher twin = Searchers.create(e.plan().type(), e.plan().space(), e.plan().seed());
    for (long i = 0; i < stored.suggested(); i++) {
      twin.suggest(1, List.of(), List.of()); // one random draw each, whatever the inputs
    }
    assertThat(twin.snapshot()).isEqualTo(stored);
    List<Observation> completed =
        ctx.store().runs(e.id()).stream()
            .sorted(java.util.Comparator.comparingInt(RunRecord::number))
            .map(
                r ->
                    new Observation(
                        r.assignments(),
                        dev.orchestra.shared.experiment.Accounting.numericMetrics(r.metrics()),
                        false))
            .toList();
    Searcher restored = Searchers.restore(stored, e.plan().space());
    assertThat(restored.suggest(1, completed, List.of()))
        .isEqualTo(twin.suggest(1, completed, List.of()));
  }

  /**
   * Waits until two first attempts not lost before run, SIGKILLs the runtime JVM, and runs {@code
   * local up} again (after the lost attempts' heartbeats timed out, if asked); adds the run ids it
   * caught in flight to {@code lostRuns}.
   */
  private LocalState crashAndRestart(
      LocalState before, TimeScale scale, Set<String> lostRuns, boolean outlastTheHeartbeat)
      throws IOException {
    Map<String, JsonNode> inFlight;
    try (LocalAwsClients aws = new LocalAwsClients(before.awsEndpoint(), before.region())) {
      // Processes running, and the engine waiting for their results (Dispatch has returned: a
      // Dispatch cut short by the crash is retried by the engine instead).
      inFlight =
          Poll.until(
              "two fresh runs in flight",
              Duration.ofSeconds(60),
              () -> {
                Map<String, JsonNode> l = ledgerWithProcesses();
                boolean fresh =
                    l.size() == 2
                        && l.values().stream()
                            .allMatch(
                                e ->
                                    e.get("attempt").asInt() == 1
                                        && !lostRuns.contains(e.get("run_id").asText()));
                return fresh
                        && l.values().stream()
                            .allMatch(
                                e ->
                                    reached(aws, before, e.get("run_id").asText(), "TaskSubmitted"))
                    ? l
                    : null;
              });
    }
    ProcessHandle.of(before.runtimePid()).orElseThrow().destroyForcibly(); // kill -9
    Poll.until("the runtime to die", Duration.ofSeconds(20), () -> !alive(before.runtimePid()));
    assertThat(inFlight.values())
        .as("the training processes outlive a SIGKILLed runtime")
        .allMatch(e -> alive(e.get("pid").asLong()));
    Set<String> lost =
        inFlight.values().stream().map(e -> e.get("run_id").asText()).collect(Collectors.toSet());
    lostRuns.addAll(lost);

    if (outlastTheHeartbeat) {
      // The router is gone with the JVM: ask moto itself, whose engine keeps the executions.
      try (LocalAwsClients moto =
          new LocalAwsClients("http://127.0.0.1:" + before.motoPort(), before.region())) {
        for (String runId : lost) {
          Poll.until(
              "the heartbeat of " + runId + " to time out",
              Duration.ofSeconds(40),
              () -> reached(moto, before, runId, "RecordFailure"));
        }
      }
    }

    long restartedAt = System.nanoTime();
    LocalState restarted = stack.up(scale);
    assertThat(restarted.motoPid()).isEqualTo(before.motoPid());
    assertThat(restarted.routerPort()).isEqualTo(before.routerPort());
    assertThat(restarted.runtimePid()).isNotEqualTo(before.runtimePid());
    System.out.printf(
        "runtime restart (local up) took %d ms%n", (System.nanoTime() - restartedAt) / 1_000_000);
    Poll.until(
        "the orphaned training processes to be killed",
        Duration.ofSeconds(20),
        () -> inFlight.values().stream().noneMatch(e -> alive(e.get("pid").asLong())));
    return restarted;
  }
}
