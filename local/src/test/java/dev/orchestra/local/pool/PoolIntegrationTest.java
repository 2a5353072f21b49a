package dev.orchestra.local.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.experiment.ExperimentStopper;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.pool.PoolOperations;
import dev.orchestra.functions.pool.PoolRecord;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalAwsClients;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.router.FaultInjector;
import dev.orchestra.local.router.RouterRequest;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.pool.PoolScaler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * Issue #8's "done when" on the whole local stack: pools made by {@link PoolOperations}, their
 * scaling tick fired by the scheduler stand-in, instances launched in moto's EC2 through the router
 * and run by {@link LocalMachines}' agents, experiments through intake, the real ASL and handlers.
 *
 * <p>Time scale 0.03: the tick fires every 1.8 s, heartbeats every 1.8 s, and {@code
 * idle_timeout_minutes: 3} is 5.4 s, longer than the loop takes from one run's result to the next
 * run's work item, so an idle instance is there to be reused.
 */
class PoolIntegrationTest {
  static final TimeScale SCALE = new TimeScale(0.03);
  static LocalRuntime runtime;
  static LoopContext ctx;
  static AwsClients clients;
  static PoolOperations pools;
  static LocalAwsClients aws;
  static String ami;

  /** Every EC2 call that changes an instance's life, as the router saw it. */
  static final List<String> lifeCalls = new CopyOnWriteArrayList<>();

  static final Consumer<RouterRequest> RECORDER =
      r -> {
        String op = FaultInjector.operation(r);
        if ("ec2".equals(r.service().orElse(""))
            && Set.of(
                    "TerminateInstances",
                    "StopInstances",
                    "RebootInstances",
                    "ModifyInstanceAttribute",
                    "CreateTags",
                    "DeleteTags")
                .contains(op)) {
          lifeCalls.add(op + " " + new String(r.body(), StandardCharsets.UTF_8));
        }
      };

  @TempDir static Path work;

  @BeforeAll
  static void start() throws IOException {
    runtime = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(SCALE));
    ctx = new LoopContext(runtime.config());
    clients = new AwsClients(runtime.config());
    pools = new PoolOperations(runtime.config(), clients);
    aws = runtime.aws();
    ami = aws.ec2().describeImages(b -> b.owners("amazon")).images().get(0).imageId();
    runtime.router().observe(RECORDER);
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.router().stopObserving(RECORDER);
    }
    if (ctx != null) {
      ctx.close();
    }
    if (clients != null) {
      clients.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  static PoolRecord createPool(String yaml) {
    PoolConfig config = PoolOperations.parse("pool.yml", yaml + "ami: " + ami + "\n");
    PoolRecord r = pools.create(config);
    assertThat(r.status()).isEqualTo(PoolRecord.READY);
    return r;
  }

  static String submit(String experimentYml, String runYml) {
    IntakeService.Result r =
        ctx.intake()
            .submit(
                experimentYml, runYml, UUID.randomUUID().toString(), null, work.toString(), null);
    assertThat(r.findings()).isEmpty();
    return r.experimentId();
  }

  static ExperimentRecord awaitEnd(String id, Duration timeout) {
    return Poll.experimentEnd(ctx.store(), id, timeout);
  }

  /** Every instance moto holds, any state. */
  static List<Instance> allInstances() {
    List<Instance> out = new ArrayList<>();
    aws.ec2()
        .describeInstancesPaginator(b -> {})
        .reservations()
        .forEach(r -> out.addAll(r.instances()));
    return out;
  }

  static List<Instance> ofPool(String pool) {
    List<Instance> out = new ArrayList<>();
    aws.ec2()
        .describeInstancesPaginator(
            b ->
                b.filters(
                    Filter.builder().name("tag:" + PoolConfig.OWNERSHIP_TAG).values(pool).build()))
        .reservations()
        .forEach(r -> out.addAll(r.instances()));
    return out;
  }

  static String poolTag(Instance i) {
    return i.tags().stream()
        .filter(t -> PoolConfig.OWNERSHIP_TAG.equals(t.key()))
        .map(Tag::value)
        .findFirst()
        .orElse(null);
  }

  static InstanceStateName state(String id) {
    return aws.ec2()
        .describeInstances(b -> b.instanceIds(id))
        .reservations()
        .get(0)
        .instances()
        .get(0)
        .state()
        .name();
  }

  /** An instance the test launches itself, with the ownership tag's value or none. */
  static String launchByHand(String poolTag) {
    return aws.ec2()
        .runInstances(
            b -> {
              b.imageId(ami).instanceType("t3.micro").minCount(1).maxCount(1);
              if (poolTag != null) {
                b.tagSpecifications(
                    TagSpecification.builder()
                        .resourceType(ResourceType.INSTANCE)
                        .tags(Tag.builder().key(PoolConfig.OWNERSHIP_TAG).value(poolTag).build())
                        .build());
              }
            })
        .instances()
        .get(0)
        .instanceId();
  }

  static final String QUICK_RUN =
      "run: 'sleep 0.3; echo \"{\\\"value\\\": $ORCHESTRA_PARAM_X}\" > \"$ORCHESTRA_METRICS_FILE\"'\n";

  static final String EXPERIMENT =
      """
      name: %s
      type: random
      metrics: [{name: value}]
      parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
      budget: %d
      parallel_bandwidth: %d
      pool: %s
      """;

  @Test
  void
      budget8AtBandwidth2_onAPool_reusesTaggedInstances_terminatesThemIdle_reapsOrphans_andNeverTouchesUntagged() {
    String untagged = launchByHand(null);
    String orphan = launchByHand("no-such-pool");
    createPool(
        """
        pool_name: it-main
        instance_types: [t3.micro]
        max_instances: 2
        idle_timeout_minutes: 3
        """);
    long t0 = System.nanoTime();

    String id = submit(EXPERIMENT.formatted("pool-main", 8, 2, "it-main"), QUICK_RUN);
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(120));
    long ranFor = System.nanoTime() - t0;

    assertThat(end.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(end.succeeded()).isEqualTo(8);
    List<RunRecord> runs = ctx.store().runs(id);
    assertThat(runs).hasSize(8).allMatch(r -> r.status() == RunStatus.SUCCEEDED);

    // Every instance was launched with the tag: moto holds only the pool's and the test's own.
    List<Instance> mine = ofPool("it-main");
    assertThat(mine).isNotEmpty();
    for (Instance i : allInstances()) {
      if (!i.instanceId().equals(untagged)) {
        assertThat(poolTag(i)).as("tag of %s", i.instanceId()).isNotNull();
      }
    }
    assertThat(mine)
        .allSatisfy(
            i -> {
              assertThat(i.tags()).contains(tag(PoolConfig.OWNERSHIP_TAG, "it-main"));
              // IMDSv2 with hop limit 1, as launched (moto keeps the metadata options).
              assertThat(i.metadataOptions().httpTokensAsString()).isEqualTo("required");
              assertThat(i.metadataOptions().httpPutResponseHopLimit()).isEqualTo(1);
            });

    // Reused: fewer instances than runs, and one instance carried more than one run.
    Map<String, List<String>> carried = runtime.machines().carried();
    Set<String> carriers = new HashSet<>();
    int most = 0;
    int total = 0;
    for (Instance i : mine) {
      List<String> attempts = carried.getOrDefault(i.instanceId(), List.of());
      if (!attempts.isEmpty()) {
        carriers.add(i.instanceId());
      }
      most = Math.max(most, attempts.size());
      total += attempts.size();
    }
    assertThat(mine.size()).isLessThan(8);
    assertThat(carriers).isNotEmpty();
    assertThat(most).isGreaterThan(1);
    assertThat(total).as("run attempts carried by it-main's instances").isEqualTo(8);

    // Idle: every instance of the pool terminates after the idle timeout.
    Poll.until(
        "every instance of it-main to be terminated once idle",
        Duration.ofSeconds(40),
        () ->
            ofPool("it-main").stream()
                .allMatch(i -> i.state().name() == InstanceStateName.TERMINATED));

    // The orphan (tagged for a pool no one knows) is reaped; the untagged one is never touched.
    Poll.until(
        "the orphaned tagged instance to be reaped",
        Duration.ofSeconds(30),
        () -> state(orphan) == InstanceStateName.TERMINATED);
    assertThat(state(untagged)).isEqualTo(InstanceStateName.RUNNING);
    assertThat(lifeCalls).noneMatch(c -> c.contains(untagged));
    System.out.printf(
        "pool it-main: 8 runs on %d instance(s) (most runs on one: %d) in %.1f s%n",
        mine.size(), most, ranFor / 1e9);
  }

  static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  @Test
  void refusedFirstType_theFallbackOrderIsWalked() {
    runtime.router().faults().add(FaultInjector.Rule.insufficientCapacity("c5.large", true));
    try {
      createPool(
          """
          pool_name: it-ice
          instance_types: [c5.large, t3.micro]
          spot: true
          on_demand_fallback: true
          max_instances: 2
          idle_timeout_minutes: 3
          """);
      String id = submit(EXPERIMENT.formatted("pool-ice", 2, 2, "it-ice"), QUICK_RUN);
      ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(90));

      assertThat(end.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
      assertThat(end.succeeded()).isEqualTo(2);
      assertThat(runtime.router().faults().injected("ec2", "RunInstances")).isPositive();
      // c5.large spot was refused: the next option, t3.micro as spot, was launched.
      List<Instance> launched = ofPool("it-ice");
      assertThat(launched)
          .isNotEmpty()
          .allSatisfy(
              i -> {
                assertThat(i.instanceTypeAsString()).isEqualTo("t3.micro");
                assertThat(i.instanceLifecycleAsString()).isEqualTo("spot");
              });
      List<PoolScaler.Refusal> refusals = pools.store().find("it-ice").orElseThrow().refusals();
      assertThat(refusals).anySatisfy(r -> assertThat(r.instanceType()).isEqualTo("c5.large"));
    } finally {
      runtime.router().faults().clear();
    }
  }

  @Test
  void spotInterruption_retriesTheRunOnce_withTheSameRunId() {
    createPool(
        """
        pool_name: it-spot
        instance_types: [t3.micro]
        spot: true
        max_instances: 2
        idle_timeout_minutes: 3
        """);
    // The first attempt of run 1 hangs (a marker file tells a retry from it); others are quick.
    String hangsOnce =
        "run: 'if [ \"$ORCHESTRA_RUN_ID\" = \"$ORCHESTRA_EXPERIMENT_ID-r00001\" ] && [ ! -f"
            + " \"$ORCHESTRA_RUN_ID.started\" ]; then touch \"$ORCHESTRA_RUN_ID.started\"; sleep"
            + " 60; fi; echo \"{\\\"value\\\": 1}\" > \"$ORCHESTRA_METRICS_FILE\"'\n";
    String id = submit(EXPERIMENT.formatted("pool-spot", 3, 2, "it-spot"), hangsOnce);
    String run1 = id + "-r00001";

    // The busy spot instance of run 1's first attempt, as its agent reported it.
    String busy =
        Poll.until(
            "an instance busy with " + run1,
            Duration.ofSeconds(60),
            () ->
                pools.store().agents("it-spot").values().stream()
                    .filter(a -> a.busy() && run1.equals(a.runId()) && a.attempt() == 1)
                    .map(a -> a.instanceId())
                    .findFirst()
                    .orElse(null));
    // The spot interruption: EC2 takes the instance back (through the router, as AWS would).
    aws.ec2().terminateInstances(b -> b.instanceIds(busy));

    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(90));
    assertThat(end.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    List<RunRecord> runs = ctx.store().runs(id);
    assertThat(runs).hasSize(3).allMatch(r -> r.status() == RunStatus.SUCCEEDED);
    RunRecord r1 = ctx.store().run(id, run1).orElseThrow();
    assertThat(r1.attempt()).isEqualTo(2);
    assertThat(r1.attempts())
        .anySatisfy(
            a -> {
              assertThat(a.attempt()).isEqualTo(1);
              assertThat(a.reason()).isEqualTo(Reasons.INTERRUPTED);
            });
    assertThat(end.failed()).isZero();
  }

  /** The stop path of {@code POST /experiments/{id}/stop} (ApiBeans#stopper), on this runtime. */
  static ExperimentStopper stopper() {
    return new ExperimentStopper(
        ctx.store(),
        ctx.sfn(),
        ctx::dispatcher,
        ctx.completion(),
        runtime.config().require(EnvVars.RUN_STATE_MACHINE_ARN));
  }

  /** Live processes whose command line contains {@code text}. */
  static List<ProcessHandle> processes(String text) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
        .toList();
  }

  @Test
  void stop_midRun_abortsTheExecutions_recordsTheRunsStopped_andTerminatesTheBusyInstances() {
    createPool(
        """
        pool_name: it-stop
        instance_types: [t3.micro]
        max_instances: 2
        idle_timeout_minutes: 3
        """);
    // A sleep no other test runs, so its processes can be found by their command line.
    String sleep = "sleep 173";
    String id =
        submit(
            EXPERIMENT.formatted("pool-stop", 4, 2, "it-stop"),
            "run: '" + sleep + "; echo \"{\\\"value\\\": 1}\" > \"$ORCHESTRA_METRICS_FILE\"'\n");
    String run1 = id + "-r00001";
    String run2 = id + "-r00002";

    // Both runs on their instances, as the agents reported them, and their processes started.
    Map<String, String> busy =
        Poll.until(
            "two instances of it-stop busy with " + run1 + " and " + run2,
            Duration.ofSeconds(60),
            () -> {
              Map<String, String> out = new java.util.HashMap<>();
              pools
                  .store()
                  .agents("it-stop")
                  .values()
                  .forEach(
                      a -> {
                        if (a.busy() && a.experimentId().equals(id)) {
                          out.put(a.runId(), a.instanceId());
                        }
                      });
              return out.keySet().equals(Set.of(run1, run2)) && processes(sleep).size() >= 2
                  ? out
                  : null;
            });
    long t0 = System.nanoTime();
    ExperimentRecord afterStop = stopper().stop(id);
    long stopTook = System.nanoTime() - t0;
    assertThat(afterStop.stopped()).isTrue();

    // Released by the stop itself: both busy instances are shutting down or terminated already.
    for (String instance : busy.values()) {
      assertThat(state(instance))
          .as("state of %s right after the stop", instance)
          .isIn(InstanceStateName.SHUTTING_DOWN, InstanceStateName.TERMINATED);
      assertThat(lifeCalls)
          .anyMatch(c -> c.startsWith("TerminateInstances") && c.contains(instance));
    }

    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(60));
    long ended = System.nanoTime() - t0;
    assertThat(end.status()).isEqualTo(ExperimentStatus.STOPPED);
    assertThat(end.stopped()).isTrue();
    assertThat(end.issued()).isEqualTo(2);
    assertThat(end.running()).isZero();
    List<RunRecord> runs = ctx.store().runs(id);
    assertThat(runs)
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(r.status()).isEqualTo(RunStatus.STOPPED);
              assertThat(r.reason()).isEqualTo(Reasons.STOPPED);
            });
    String prefix =
        runtime
            .config()
            .require(EnvVars.RUN_STATE_MACHINE_ARN)
            .replace(":stateMachine:", ":execution:");
    for (String run : List.of(run1, run2)) {
      ExecutionStatus s =
          Poll.until(
              "execution of " + run + " to end",
              Duration.ofSeconds(30),
              () -> {
                ExecutionStatus st =
                    aws.sfn().describeExecution(b -> b.executionArn(prefix + ":" + run)).status();
                return st == ExecutionStatus.RUNNING ? null : st;
              });
      assertThat(s).as("execution of %s", run).isEqualTo(ExecutionStatus.ABORTED);
    }

    // Nothing left running: the agents of the released instances are gone, and so are the runs'
    // processes; the instances end terminated in EC2 (by the tag).
    Poll.until(
        "the runs' processes and the released instances' agents to be gone",
        Duration.ofSeconds(20),
        () ->
            processes(sleep).isEmpty()
                    && busy.values().stream()
                        .noneMatch(i -> runtime.machines().agents().containsKey(i))
                ? true
                : null);
    Poll.until(
        "the released instances to be terminated",
        Duration.ofSeconds(30),
        () ->
            ofPool("it-stop").stream()
                .filter(i -> busy.containsValue(i.instanceId()))
                .allMatch(i -> i.state().name() == InstanceStateName.TERMINATED));
    Map<String, List<String>> carried = runtime.machines().carried();
    assertThat(busy)
        .allSatisfy(
            (run, instance) -> assertThat(carried.get(instance)).containsExactly(run + "-a1"));
    // Repeating the stop is harmless.
    assertThat(stopper().stop(id).status()).isEqualTo(ExperimentStatus.STOPPED);
    System.out.printf(
        "pool it-stop: stop() took %.1f s, the experiment was stopped %.1f s after it%n",
        stopTook / 1e9, ended / 1e9);
  }

  @Test
  void throttlingAnd5xxFromEc2AndSqs_areRetried_andTheExperimentRunsExactlyItsBudget() {
    FaultInjector faults = runtime.router().faults();
    faults.seed(9);
    for (String op : List.of("RunInstances", "DescribeInstances", "TerminateInstances")) {
      // Each operation's first two calls fail for sure (throttled, then a 500); later ones at a
      // rate.
      faults.add(FaultInjector.Rule.next(1, "ec2", op, FaultInjector.Kind.THROTTLE));
      faults.add(FaultInjector.Rule.next(1, "ec2", op, FaultInjector.Kind.INTERNAL));
      faults.add(FaultInjector.Rule.rate(0.15, "ec2", op, FaultInjector.Kind.THROTTLE));
      faults.add(FaultInjector.Rule.rate(0.05, "ec2", op, FaultInjector.Kind.INTERNAL));
      faults.add(FaultInjector.Rule.rate(0.05, "ec2", op, FaultInjector.Kind.UNAVAILABLE));
    }
    faults.add(FaultInjector.Rule.rate(0.05, "sqs", null, FaultInjector.Kind.THROTTLE));
    faults.add(FaultInjector.Rule.rate(0.03, "sqs", null, FaultInjector.Kind.UNAVAILABLE));
    try {
      createPool(
          """
          pool_name: it-faults
          instance_types: [t3.micro]
          max_instances: 2
          idle_timeout_minutes: 3
          """);
      long t0 = System.nanoTime();
      String id = submit(EXPERIMENT.formatted("pool-faults", 5, 2, "it-faults"), QUICK_RUN);
      ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(120));
      long ranFor = System.nanoTime() - t0;

      assertThat(end.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
      assertThat(end.issued()).isEqualTo(5);
      assertThat(end.succeeded()).isEqualTo(5);
      assertThat(end.failed()).isZero();
      List<RunRecord> runs = ctx.store().runs(id);
      assertThat(runs)
          .hasSize(5)
          .allSatisfy(
              r -> {
                assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(r.attempt()).as("attempt of %s", r.runId()).isEqualTo(1);
              });
      // Each run carried once, by an instance of the pool.
      Map<String, List<String>> carried = runtime.machines().carried();
      List<String> attempts = new ArrayList<>();
      for (Instance i : ofPool("it-faults")) {
        attempts.addAll(carried.getOrDefault(i.instanceId(), List.of()));
      }
      assertThat(attempts)
          .containsExactlyInAnyOrderElementsOf(runs.stream().map(r -> r.runId() + "-a1").toList());
      // Nothing left billing: the idle instances terminate themselves, under the same faults.
      Poll.until(
          "every instance of it-faults to be terminated once idle",
          Duration.ofSeconds(40),
          () ->
              ofPool("it-faults").stream()
                  .allMatch(i -> i.state().name() == InstanceStateName.TERMINATED));
      Map<String, Long> injected = new java.util.LinkedHashMap<>();
      for (String op : List.of("RunInstances", "DescribeInstances", "TerminateInstances")) {
        injected.put("ec2:" + op, faults.injected("ec2", op));
      }
      injected.put("sqs", faults.injected("sqs"));
      assertThat(injected).allSatisfy((k, n) -> assertThat(n).as(k).isGreaterThanOrEqualTo(2));
      System.out.printf(
          "pool it-faults: 5 runs in %.1f s under faults %s%n", ranFor / 1e9, injected);
    } finally {
      faults.clear();
    }
  }
}
