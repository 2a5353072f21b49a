package dev.orchestra.functions.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.FinishResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.pool.PoolScaler;
import dev.orchestra.shared.run.RunInterruptedException;
import dev.orchestra.shared.run.RunLostException;
import dev.orchestra.shared.run.Workload;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The scaling tick against moto (through a pass-through proxy that can refuse capacity and shows
 * the Step Functions calls on the wire), with a clock the test moves.
 */
class PoolTickTest {
  static final String RESULTS =
      "https://sqs.us-east-1.amazonaws.com/123456789012/orchestra-results";
  static MotoServer moto;
  static AwsProxy proxy;
  static OrchestraConfig config;
  static AwsClients aws;
  static PoolOperations ops;
  static DynamoDbExperimentStore runs;
  static String ami;
  static final MovableClock clock = new MovableClock(Instant.now());

  /** A clock the test moves forward. */
  static final class MovableClock extends Clock {
    volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    proxy = new AwsProxy(moto.endpoint());
    Map<String, String> m =
        new java.util.HashMap<>(
            moto.config(
                    Map.of(
                        EnvVars.POOL_TABLE, "pools",
                        EnvVars.TABLE, "experiments",
                        EnvVars.BUCKET, "bkt",
                        EnvVars.RESULTS_QUEUE_URL, RESULTS))
                .asMap());
    m.put(EnvVars.AWS_ENDPOINT_URL, proxy.endpoint());
    config = new OrchestraConfig(m);
    aws = new AwsClients(config);
    PoolStore.createTable(aws.dynamo(), "pools");
    DynamoDbExperimentStore.createTable(aws.dynamo(), "experiments");
    runs = new DynamoDbExperimentStore(aws.dynamo(), "experiments");
    ops = new PoolOperations(config, aws);
    ami =
        aws
            .ec2()
            .describeImages(
                b -> b.owners("amazon").filters(f -> f.name("architecture").values("x86_64")))
            .images()
            .stream()
            .map(i -> i.imageId())
            .filter(id -> id.matches("ami-([0-9a-f]{8}|[0-9a-f]{17})"))
            .findFirst()
            .orElseThrow();
  }

  @AfterAll
  static void stop() {
    aws.close();
    proxy.close();
    moto.close();
  }

  static PoolTickService service() {
    return new PoolTickService(
        ops.store(),
        new PoolInstances(aws::ec2),
        aws::ec2,
        aws::sqs,
        ops.resources(),
        () -> runs,
        new StepFunctions(aws::sfn),
        new PoolTickService.Settings(RESULTS, "bkt", "us-east-1", 60, 1.0),
        clock);
  }

  static PoolRecord create(String name, String types, boolean spot, int max, int idleMinutes) {
    return ops.create(
        PoolOperations.parse(
            "pool.yml",
            """
            pool_name: %s
            instance_types: [%s]
            spot: %s
            %s
            max_instances: %d
            idle_timeout_minutes: %d
            ami: %s
            volume_type: gp3
            volume_size: 50
            """
                .formatted(
                    name,
                    types,
                    spot,
                    spot ? "on_demand_fallback: true" : "",
                    max,
                    idleMinutes,
                    ami)));
  }

  /** One run queued on the pool, the tick's launch for it, the queue drained: the instance id. */
  static String launchOne(PoolRecord p) {
    queueRuns(p, 1);
    String id = service().tick(p.name()).launched().get(0);
    drain(p);
    return id;
  }

  static void queueRuns(PoolRecord p, int n) {
    for (int i = 0; i < n; i++) {
      String body = "orchestra-work v1 test=" + i;
      aws.sqs().sendMessage(b -> b.queueUrl(p.workQueueUrl()).messageBody(body));
    }
  }

  static void drain(PoolRecord p) {
    for (int i = 0; i < 5; i++) {
      var msgs =
          aws.sqs()
              .receiveMessage(b -> b.queueUrl(p.workQueueUrl()).maxNumberOfMessages(10))
              .messages();
      msgs.forEach(
          m ->
              aws.sqs()
                  .deleteMessage(
                      b -> b.queueUrl(p.workQueueUrl()).receiptHandle(m.receiptHandle())));
      if (msgs.isEmpty()) {
        return;
      }
    }
  }

  static Instance describe(String id) {
    return aws.ec2()
        .describeInstances(b -> b.instanceIds(id))
        .reservations()
        .get(0)
        .instances()
        .get(0);
  }

  static String userData(String id) throws Exception {
    String b64 =
        aws.ec2()
            .describeInstanceAttribute(
                b -> b.instanceId(id).attribute(InstanceAttributeName.USER_DATA))
            .userData()
            .value();
    try (var in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(b64)))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String untagged() {
    return aws.ec2()
        .runInstances(b -> b.imageId(ami).instanceType("t3.micro").minCount(1).maxCount(1))
        .instances()
        .get(0)
        .instanceId();
  }

  static String taggedFor(String pool) {
    return aws.ec2()
        .runInstances(
            b ->
                b.imageId(ami)
                    .instanceType("t3.micro")
                    .minCount(1)
                    .maxCount(1)
                    .tagSpecifications(
                        t ->
                            t.resourceType("instance")
                                .tags(Tag.builder().key("orchestra:pool").value(pool).build())))
        .instances()
        .get(0)
        .instanceId();
  }

  static String spotRequestFor(String pool) {
    return aws.ec2()
        .requestSpotInstances(
            b ->
                b.instanceCount(1)
                    .launchSpecification(l -> l.imageId(ami).instanceType("m5.large"))
                    .tagSpecifications(
                        t ->
                            t.resourceType("spot-instances-request")
                                .tags(Tag.builder().key("orchestra:pool").value(pool).build())))
        .spotInstanceRequests()
        .get(0)
        .spotInstanceRequestId();
  }

  @Test
  void handler_asTheCatalogsPoolTickFunction_answersWithTheSummary() throws Exception {
    var handler =
        dev.orchestra.functions.FunctionCatalog.find(
                "arn:aws:lambda:us-east-1:123456789012:function:orchestra-pool-tick")
            .orElseThrow()
            .handler(config);
    var out = new java.io.ByteArrayOutputStream();
    handler.handleRequest(
        new ByteArrayInputStream("{\"pool\":\"nobody-here\"}".getBytes(StandardCharsets.UTF_8)),
        out,
        null);
    var summary = dev.orchestra.functions.Json.MAPPER.readTree(out.toByteArray());
    assertThat(summary.path("pool").asText()).isEqualTo("nobody-here");
    assertThat(summary.path("status").asText()).isEqualTo("UNKNOWN");
    assertThat(summary.path("reasons").get(0).asText()).contains("no pool named nobody-here");
  }

  @Test
  void tick_launchesForPendingRuns_withTagsImdsV2ProfileAndUserData() throws Exception {
    PoolRecord p = create("launch", "m5.large, c5.large", true, 3, 10);
    queueRuns(p, 2);
    PoolTickService.Summary s = service().tick("launch");
    assertThat(s.launched()).hasSize(2);
    assertThat(s.reasons()).anyMatch(r -> r.startsWith("launch 2 m5.large spot"));
    for (String id : s.launched()) {
      Instance i = describe(id);
      assertThat(i.tags())
          .extracting(Tag::key, Tag::value)
          .contains(
              org.assertj.core.groups.Tuple.tuple("orchestra:pool", "launch"),
              org.assertj.core.groups.Tuple.tuple("Name", "orchestra-pool-launch"));
      assertThat(i.instanceTypeAsString()).isEqualTo("m5.large");
      assertThat(i.instanceLifecycleAsString()).isEqualTo("spot");
      assertThat(i.metadataOptions().httpTokensAsString()).isEqualTo("required");
      assertThat(i.metadataOptions().httpPutResponseHopLimit()).isEqualTo(1);
      assertThat(i.metadataOptions().httpEndpointAsString()).isEqualTo("enabled");
      assertThat(i.iamInstanceProfile().arn()).isEqualTo(p.instanceProfileArn());
      assertThat(
              aws.ec2()
                  .describeInstanceAttribute(
                      b ->
                          b.instanceId(id)
                              .attribute(
                                  InstanceAttributeName.INSTANCE_INITIATED_SHUTDOWN_BEHAVIOR))
                  .instanceInitiatedShutdownBehavior()
                  .value())
          .isEqualTo("terminate");
      String script = userData(id);
      assertThat(script)
          .startsWith("#!/bin/sh")
          .contains("export ORCHESTRA_POOL='launch'")
          .contains("export ORCHESTRA_WORK_QUEUE_URL='" + p.workQueueUrl() + "'")
          .contains("export ORCHESTRA_RESULTS_QUEUE_URL='" + RESULTS + "'")
          .contains("export ORCHESTRA_IDLE_TIMEOUT_SECONDS='600'");
    }
    var volumes =
        aws.ec2()
            .describeVolumes(b -> b.filters(f -> f.name("tag:orchestra:pool").values("launch")))
            .volumes();
    assertThat(volumes).isNotEmpty().allSatisfy(v -> assertThat(v.size()).isEqualTo(50));
    // The booting instances cover the waiting runs: nothing more.
    PoolTickService.Summary again = service().tick("launch");
    assertThat(again.launched()).isEmpty();
    assertThat(again.terminated()).isEmpty();
    assertThat(ops.status("launch").lastDecision()).isEqualTo(again.reasons());
    assertThat(ops.status("launch").instances()).hasSize(2);
  }

  @Test
  void tick_terminatesAnIdleInstanceAfterTheTimeout_andNeverTouchesAnUntaggedOne() {
    String bystander = untagged();
    PoolRecord p = create("idle", "m5.large", false, 2, 1);
    String id = launchOne(p);
    long since = clock.instant().getEpochSecond();
    ops.store().recordAgent(AgentReport.idle("idle", id, since, since));
    clock.advance(Duration.ofSeconds(30));
    assertThat(service().tick("idle").terminated()).isEmpty();
    // At the idle timeout the agent shuts itself down; the tick's backstop waits two heartbeat
    // periods (60 s here) longer.
    clock.advance(Duration.ofSeconds(31));
    assertThat(service().tick("idle").terminated()).isEmpty();
    clock.advance(Duration.ofSeconds(120));
    PoolTickService.Summary s = service().tick("idle");
    assertThat(s.terminated()).containsExactly(id);
    assertThat(s.reasons()).anyMatch(r -> r.contains(id) && r.contains("idle timeout"));
    assertThat(describe(id).state().nameAsString()).isIn("shutting-down", "terminated");
    assertThat(ops.store().snapshot("idle").terminated()).containsEntry(id, "scaler");
    assertThat(describe(bystander).state().nameAsString()).isIn("pending", "running");
    // and no tick of any pool ever touches it
    service().tick("idle");
    service().tick("nobody");
    assertThat(describe(bystander).state().nameAsString()).isIn("pending", "running");
  }

  @Test
  void tick_reapsTaggedInstancesOfUnknownOrDestroyedPools() {
    PoolRecord gone = create("gone", "m5.large", false, 1, 10);
    ops.destroy("gone");
    assertThat(service().tick("gone").status()).isEqualTo(PoolRecord.DESTROYED);
    String ghost = taggedFor("ghost");
    String late = taggedFor("gone");
    String bystander = untagged();
    String ghostRequest = spotRequestFor("ghost");
    PoolTickService.Summary s = service().tick("anything");
    assertThat(s.terminated()).contains(ghost, late).doesNotContain(bystander);
    assertThat(s.cancelledSpotRequests()).contains(ghostRequest);
    assertThat(s.reasons()).anyMatch(r -> r.contains("ghost") && r.contains("orphans"));
    assertThat(describe(ghost).state().nameAsString()).isIn("shutting-down", "terminated");
    assertThat(describe(bystander).state().nameAsString()).isIn("pending", "running");
    assertThat(gone.name()).isEqualTo("gone");
  }

  @Test
  void tick_walksTheFallbackOrder_whenTheFirstTypeIsRefusedCapacity() {
    PoolRecord p = create("fallback", "g5.xlarge, g4dn.xlarge", true, 4, 10);
    queueRuns(p, 1);
    proxy.refuseType = "g5.xlarge";
    try {
      PoolTickService.Summary s = service().tick("fallback");
      // EC2 answers the refusal with HTTP 500; the launch does not retry it, it falls back.
      assertThat(proxy.refusedRunInstances).hasSize(1);
      assertThat(s.launched()).hasSize(1);
      assertThat(describe(s.launched().get(0)).instanceTypeAsString()).isEqualTo("g4dn.xlarge");
      assertThat(describe(s.launched().get(0)).instanceLifecycleAsString()).isEqualTo("spot");
      assertThat(s.reasons())
          .anyMatch(r -> r.contains("g5.xlarge spot refused: InsufficientInstanceCapacity"));
      assertThat(ops.store().find("fallback").orElseThrow().refusals())
          .extracting(PoolScaler.Refusal::instanceType, PoolScaler.Refusal::capacity)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("g5.xlarge", PoolScaler.Capacity.SPOT));
      // Within the cooldown the next launch starts at the type that had capacity.
      int refusedBefore = proxy.refusedRunInstances.size();
      queueRuns(p, 1);
      PoolTickService.Summary next = service().tick("fallback");
      assertThat(next.launched()).hasSize(1);
      assertThat(describe(next.launched().get(0)).instanceTypeAsString()).isEqualTo("g4dn.xlarge");
      assertThat(proxy.refusedRunInstances).hasSize(refusedBefore);
    } finally {
      proxy.refuseType = null;
    }
  }

  static ExperimentRecord experiment() {
    return experiment("exp-spot1", 1);
  }

  static ExperimentRecord experiment(String id, int parallel) {
    ExperimentPlan plan =
        new ExperimentPlan(
            "t",
            dev.orchestra.shared.search.SearchType.RANDOM,
            new dev.orchestra.shared.search.SearchSpace(
                List.of(),
                List.of(
                    new dev.orchestra.shared.search.Metric(
                        "value",
                        dev.orchestra.shared.search.Objective.MINIMIZE,
                        dev.orchestra.shared.search.MetricStrategy.OPTIMIZE,
                        null))),
            4,
            parallel,
            1,
            null,
            "pool/spotty",
            null,
            "true",
            Map.of(),
            Map.of(),
            0,
            null,
            1,
            false);
    ExperimentRecord e = ExperimentRecord.pending(id, plan, "b", null, "now");
    runs.createExperiment(e);
    runs.markRunning(e.id());
    return e;
  }

  @Test
  void tick_spotInstanceGoneUnderARun_failsTheAttemptAsInterrupted_once() {
    ExperimentRecord e = experiment();
    String run = runningRun(e, 1, "token-of-attempt-1");
    PoolRecord p = create("spotty", "m5.large", true, 2, 10);
    String id = launchOne(p);
    long now = clock.instant().getEpochSecond();
    ops.store().recordAgent(AgentReport.busy("spotty", id, e.id(), run, 1, now, now));
    // EC2 takes the spot instance back (not Orchestra: no terminated mark).
    aws.ec2().terminateInstances(b -> b.instanceIds(id));
    proxy.sfnCalls.clear();
    PoolTickService.Summary s = service().tick("spotty");
    assertThat(s.failedAttempts()).containsExactly(run + " attempt 1");
    assertThat(proxy.sfnCalls)
        .singleElement()
        .satisfies(
            c ->
                assertThat(c)
                    .startsWith("AWSStepFunctions.SendTaskFailure")
                    .contains("token-of-attempt-1")
                    .contains(RunInterruptedException.NAME));
    assertThat(service().tick("spotty").failedAttempts()).isEmpty();
    assertThat(proxy.sfnCalls).hasSize(1);
  }

  /** A run issued and on attempt 1, with its Dispatch task's token. */
  static String runningRun(ExperimentRecord e, int number, String token) {
    String run = ExperimentIds.runId(e.id(), number);
    runs.issueRun(e.id(), run, number);
    runs.startAttempt(e.id(), run, 1, "nonce-" + number, token).orElseThrow();
    return run;
  }

  @Test
  void tick_idleBackstopRacingAnAgentThatTookAnItem_failsTheAttemptAsLost() {
    ExperimentRecord e = experiment("exp-race1", 1);
    String run = runningRun(e, 1, "token-of-race-1");
    PoolRecord p = create("race", "m5.large", false, 2, 1);
    String id = launchOne(p);
    long since = clock.instant().getEpochSecond();
    ops.store().recordAgent(AgentReport.idle("race", id, since, since));
    clock.advance(Duration.ofSeconds(181));
    PoolTickService.Summary idle = service().tick("race");
    assertThat(idle.terminated()).containsExactly(id);
    // The agent took an item just before the terminate reached it: its busy report comes after.
    long took = clock.instant().getEpochSecond();
    ops.store().recordAgent(AgentReport.busy("race", id, e.id(), run, 1, took, took));
    proxy.sfnCalls.clear();
    PoolTickService.Summary s = service().tick("race");
    assertThat(s.failedAttempts()).containsExactly(run + " attempt 1");
    assertThat(s.reasons()).anyMatch(r -> r.contains(id) && r.contains("lost"));
    assertThat(proxy.sfnCalls)
        .singleElement()
        .satisfies(
            c ->
                assertThat(c)
                    .startsWith("AWSStepFunctions.SendTaskFailure")
                    .contains("token-of-race-1")
                    .contains(RunLostException.NAME));
    assertThat(service().tick("race").failedAttempts()).isEmpty();
    assertThat(proxy.sfnCalls).hasSize(1);
  }

  @Test
  void tick_instanceReleasedWithItsAttempt_failsNothing_evenWhileTheRunIsOnIt() {
    ExperimentRecord e = experiment("exp-rel2", 1);
    String run = runningRun(e, 1, "token-of-rel-1");
    PoolRecord p = create("rel2", "m5.large", false, 2, 10);
    String id = launchOne(p);
    long now = clock.instant().getEpochSecond();
    ops.store().recordAgent(AgentReport.busy("rel2", id, e.id(), run, 1, now, now));
    new PoolWorkDispatcher(
            "rel2", ops.store(), aws::sqs, new PoolInstances(aws::ec2), (r, a) -> false)
        .release(run, 1);
    assertThat(ops.store().snapshot("rel2").terminated()).containsEntry(id, "released");
    proxy.sfnCalls.clear();
    assertThat(service().tick("rel2").failedAttempts()).isEmpty();
    assertThat(proxy.sfnCalls).isEmpty();
  }

  static Workload workload(String experimentId, String runId) {
    return new Workload(
        experimentId,
        runId,
        1,
        "nonce",
        Map.of(),
        "busybox",
        "true",
        Map.of(),
        Map.of(),
        0,
        null,
        null);
  }

  @Test
  void tick_heartbeatsRunsWaitingOnTheQueue_andDropsClaimsOfRunsThatMovedOn() {
    ExperimentRecord e = experiment("exp-queue1", 3);
    String waiting = runningRun(e, 1, "token-of-waiting");
    String finished = runningRun(e, 2, "token-of-finished");
    String carried = runningRun(e, 3, "token-of-carried");
    create("queued", "m5.large", false, 1, 10);
    PoolWorkDispatcher dispatcher =
        new PoolWorkDispatcher(
            "queued", ops.store(), aws::sqs, new PoolInstances(aws::ec2), (r, a) -> false);
    for (String run : List.of(waiting, finished, carried)) {
      dispatcher.dispatch(workload(e.id(), run));
    }
    assertThat(ops.store().snapshot("queued").dispatches()).hasSize(3);
    ExperimentRecord read = runs.experiment(e.id()).orElseThrow();
    assertThat(
            runs.finishRun(
                read,
                finished,
                1,
                new DynamoDbExperimentStore.Outcome(
                    RunStatus.SUCCEEDED, Map.of("value", 1.0), null, 0, "", List.of()),
                null))
        .isEqualTo(DynamoDbExperimentStore.FinishResult.FINISHED);
    long now = clock.instant().getEpochSecond();
    String carrier = taggedFor("queued");
    ops.store().recordAgent(AgentReport.busy("queued", carrier, e.id(), carried, 1, now, now));
    proxy.sfnCalls.clear();
    PoolTickService.Summary s = service().tick("queued");
    assertThat(s.heartbeats()).containsExactly(waiting + " attempt 1");
    assertThat(proxy.sfnCalls)
        .singleElement()
        .satisfies(
            c ->
                assertThat(c)
                    .startsWith("AWSStepFunctions.SendTaskHeartbeat")
                    .contains("token-of-waiting"));
    assertThat(ops.store().snapshot("queued").dispatches())
        .extracting(PoolStore.Dispatch::runId)
        .containsExactlyInAnyOrder(waiting, carried);
    // Every tick, while it waits.
    clock.advance(Duration.ofMinutes(1));
    assertThat(service().tick("queued").heartbeats()).containsExactly(waiting + " attempt 1");
    assertThat(proxy.sfnCalls)
        .hasSize(2)
        .allSatisfy(c -> assertThat(c).startsWith("AWSStepFunctions.SendTaskHeartbeat"));
  }

  @Test
  void tick_terminatesAnInstanceStuckOnARunNoExperimentRuns_afterTheBootTimeout() {
    PoolRecord p = create("stray", "m5.large", false, 2, 10);
    String id = launchOne(p);
    long now = clock.instant().getEpochSecond();
    ops.store()
        .recordAgent(AgentReport.busy("stray", id, "exp-none1", "exp-none1-r00001", 1, now, now));
    assertThat(service().tick("stray").terminated()).isEmpty();
    clock.advance(Duration.ofMinutes(11));
    PoolTickService.Summary s = service().tick("stray");
    assertThat(s.terminated()).containsExactly(id);
    assertThat(s.reasons()).anyMatch(r -> r.contains(id) && r.contains("stray"));
    assertThat(ops.store().snapshot("stray").terminated()).containsEntry(id, "stray");
    // Terminated by Orchestra: not an interruption of that run.
    assertThat(service().tick("stray").failedAttempts()).isEmpty();
  }

  @Test
  void tick_releasesAnInstanceBusyWithAStoppedRun_atOnce_withoutTheBootTimeout() {
    // A stop while the work item still waited on the queue had no instance to release; an agent
    // that takes the item afterwards is released by the next tick.
    ExperimentRecord e = experiment();
    String run = runningRun(e, 1, "token-1");
    ExperimentRecord read = runs.experiment(e.id()).orElseThrow();
    assertThat(
            runs.finishRun(
                read,
                run,
                1,
                new Outcome(RunStatus.STOPPED, null, "stopped", null, null, List.of()),
                null))
        .isEqualTo(FinishResult.FINISHED);
    PoolRecord p = create("stopped", "m5.large", false, 2, 10);
    String id = launchOne(p);
    long now = clock.instant().getEpochSecond();
    ops.store().recordAgent(AgentReport.busy("stopped", id, e.id(), run, 1, now, now));
    PoolTickService.Summary s = service().tick("stopped");
    assertThat(s.terminated()).containsExactly(id);
    assertThat(s.reasons()).anyMatch(r -> r.contains(id) && r.contains("was stopped"));
    assertThat(service().tick("stopped").failedAttempts())
        .as("terminated by Orchestra: not an interruption")
        .isEmpty();
  }

  @Test
  void release_terminatesTheInstanceBusyWithTheAttempt_andTheTickDoesNotCallItAnInterruption() {
    PoolRecord p = create("rel", "m5.large", false, 2, 10);
    String id = launchOne(p);
    long now = clock.instant().getEpochSecond();
    ops.store()
        .recordAgent(AgentReport.busy("rel", id, "exp-rel1", "exp-rel1-r00001", 1, now, now));
    // Its result already in: the agent finished it (its idle report is late); nothing is touched.
    new PoolWorkDispatcher(
            "rel", ops.store(), aws::sqs, new PoolInstances(aws::ec2), (run, attempt) -> true)
        .release("exp-rel1-r00001", 1);
    assertThat(describe(id).state().nameAsString()).isIn("pending", "running");
    new PoolWorkDispatcher(
            "rel", ops.store(), aws::sqs, new PoolInstances(aws::ec2), (run, attempt) -> false)
        .release("exp-rel1-r00001", 1);
    assertThat(describe(id).state().nameAsString()).isIn("shutting-down", "terminated");
    assertThat(ops.store().snapshot("rel").terminated()).containsEntry(id, "released");
    proxy.sfnCalls.clear();
    assertThat(service().tick("rel").failedAttempts()).isEmpty();
    assertThat(proxy.sfnCalls).isEmpty();
  }

  @Test
  void tick_destroying_terminatesEverything_thenRemovesTheResources() {
    PoolRecord p = create("bye", "m5.large", false, 2, 10);
    queueRuns(p, 1);
    String id = service().tick("bye").launched().get(0);
    // A spot request carrying the pool's tag (moto fulfils it at once, with an untagged instance).
    String request = spotRequestFor("bye");
    ops.destroy("bye");
    PoolTickService.Summary first = service().tick("bye");
    assertThat(first.terminated()).containsExactly(id);
    assertThat(first.cancelledSpotRequests()).containsExactly(request);
    String status = first.status();
    for (int i = 0; i < 3 && !PoolRecord.DESTROYED.equals(status); i++) {
      status = service().tick("bye").status();
    }
    assertThat(status).isEqualTo(PoolRecord.DESTROYED);
    assertThat(ops.record("bye").status()).isEqualTo(PoolRecord.DESTROYED);
    assertThat(ops.list()).extracting(PoolRecord::name).doesNotContain("bye");
    assertThat(aws.sqs().listQueues(b -> b.queueNamePrefix("orchestra-pool-bye")).queueUrls())
        .isEmpty();
    assertThat(aws.events().listRules(b -> b.namePrefix("orchestra-pool-bye")).rules()).isEmpty();
    assertThat(
            aws.iam().listRoles(b -> b.pathPrefix("/orchestra/")).roles().stream()
                .map(r -> r.roleName()))
        .doesNotContain("orchestra-pool-bye-agent");
    // and it can be created again
    assertThat(create("bye", "m5.large", false, 2, 10).status()).isEqualTo(PoolRecord.READY);
    assertThat(URI.create(p.workQueueUrl()).getPath()).endsWith("orchestra-pool-bye");
  }
}
