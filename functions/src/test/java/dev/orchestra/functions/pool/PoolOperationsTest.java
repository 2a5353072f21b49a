package dev.orchestra.functions.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.results.ResultsHandler;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.pool.PoolAgent;
import dev.orchestra.shared.pool.PoolWorkItem;
import dev.orchestra.shared.run.DispatchFailedException;
import dev.orchestra.shared.run.Workload;
import dev.orchestra.shared.run.WorkloadDispatcher;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pool create/update/destroy/status, the pool dispatcher and agent reports on the results queue,
 * against a real moto server through the SDK.
 */
class PoolOperationsTest {
  static final String BOUNDARY = "arn:aws:iam::123456789012:policy/orchestra-boundary";
  static final String TICK = "arn:aws:lambda:us-east-1:123456789012:function:orchestra-pool-tick";
  static MotoServer moto;
  static OrchestraConfig config;
  static AwsClients aws;
  static PoolOperations ops;

  static String yaml(String name, int max) {
    return """
        pool_name: %s
        instance_types: [g5.xlarge, g4dn.xlarge]
        spot: true
        on_demand_fallback: true
        max_instances: %d
        idle_timeout_minutes: 5
        ami: ami-0123abcd
        setup_cmds: [nvidia-smi]
        """
        .formatted(name, max);
  }

  static PoolConfig pool(String name, int max) {
    return PoolOperations.parse("pool.yml", yaml(name, max));
  }

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    config =
        moto.config(
            Map.of(
                EnvVars.POOL_TABLE, "pools",
                EnvVars.TABLE, "experiments",
                EnvVars.BUCKET, "bkt",
                EnvVars.RESULTS_QUEUE_URL,
                    "https://sqs.us-east-1.amazonaws.com/123456789012/orchestra-results",
                EnvVars.PERMISSIONS_BOUNDARY_ARN, BOUNDARY,
                EnvVars.POOL_TICK_FUNCTION_ARN, TICK));
    aws = new AwsClients(config);
    PoolStore.createTable(aws.dynamo(), "pools");
    ops = new PoolOperations(config, aws);
  }

  @AfterAll
  static void stop() {
    aws.close();
    moto.close();
  }

  @Test
  void create_makesQueueRoleProfilePolicyAndSchedule_thenReady() {
    PoolRecord r = ops.create(pool("alpha", 3));
    assertThat(r.status()).isEqualTo(PoolRecord.READY);
    assertThat(r.config()).isEqualTo(pool("alpha", 3));
    assertThat(r.workQueueUrl()).endsWith("/orchestra-pool-alpha");
    assertThat(r.instanceProfileArn())
        .isEqualTo(
            "arn:aws:iam::123456789012:instance-profile/orchestra/orchestra-pool-alpha-agent");
    var role = aws.iam().getRole(b -> b.roleName("orchestra-pool-alpha-agent")).role();
    assertThat(role.path()).isEqualTo("/orchestra/");
    assertThat(role.permissionsBoundary().permissionsBoundaryArn()).isEqualTo(BOUNDARY);
    assertThat(URLDecoder.decode(role.assumeRolePolicyDocument(), StandardCharsets.UTF_8))
        .contains("ec2.amazonaws.com");
    String policy =
        URLDecoder.decode(
            aws.iam()
                .getRolePolicy(
                    b -> b.roleName("orchestra-pool-alpha-agent").policyName("orchestra-agent"))
                .policyDocument(),
            StandardCharsets.UTF_8);
    assertThat(policy)
        .contains("arn:aws:sqs:us-east-1:123456789012:orchestra-pool-alpha")
        .contains("arn:aws:sqs:us-east-1:123456789012:orchestra-results")
        .contains("arn:aws:s3:::bkt/runs/*")
        .contains("sqs:ReceiveMessage")
        .contains("ecr:GetAuthorizationToken")
        .doesNotContain("ec2:")
        .doesNotContain("iam:");
    var profile =
        aws.iam()
            .getInstanceProfile(b -> b.instanceProfileName("orchestra-pool-alpha-agent"))
            .instanceProfile();
    assertThat(profile.path()).isEqualTo("/orchestra/");
    assertThat(profile.roles()).extracting(x -> x.roleName()).containsExactly(role.roleName());
    var rule = aws.events().describeRule(b -> b.name("orchestra-pool-alpha-tick"));
    assertThat(rule.scheduleExpression()).isEqualTo("rate(1 minute)");
    var targets =
        aws.events().listTargetsByRule(b -> b.rule("orchestra-pool-alpha-tick")).targets();
    assertThat(targets).hasSize(1);
    assertThat(targets.get(0).arn()).isEqualTo(TICK);
    assertThat(targets.get(0).input()).isEqualTo("{\"pool\":\"alpha\"}");
    assertThat(ops.list()).extracting(PoolRecord::name).contains("alpha");
  }

  @Test
  void create_repeated_answersWithThePool_andAnotherConfigurationIsRefused() {
    PoolRecord first = ops.create(pool("beta", 2));
    PoolRecord again = ops.create(pool("beta", 2));
    assertThat(again.version()).isEqualTo(first.version());
    assertThat(again.workQueueUrl()).isEqualTo(first.workQueueUrl());
    assertThatThrownBy(() -> ops.create(pool("beta", 5)))
        .isInstanceOf(PoolRequestException.class)
        .hasMessageContaining("orchestra pool update");
  }

  @Test
  void create_afterACrashHalfWay_finishesTheJob() {
    // A first create wrote its record and made the queue and the role, then died.
    PoolConfig p = pool("gamma", 2);
    ops.store()
        .write(
            new PoolRecord(
                "gamma",
                p,
                PoolOperations.configYaml(p),
                PoolRecord.CREATING,
                null,
                null,
                null,
                0,
                java.time.Instant.now(),
                null),
            0);
    ops.resources().workQueue("gamma");
    aws.iam()
        .createRole(
            b ->
                b.roleName("orchestra-pool-gamma-agent")
                    .path("/orchestra/")
                    .assumeRolePolicyDocument("{}"));
    aws.iam()
        .createInstanceProfile(
            b -> b.instanceProfileName("orchestra-pool-gamma-agent").path("/orchestra/"));
    aws.iam()
        .addRoleToInstanceProfile(
            b ->
                b.instanceProfileName("orchestra-pool-gamma-agent")
                    .roleName("orchestra-pool-gamma-agent"));
    PoolRecord r = ops.create(p);
    assertThat(r.status()).isEqualTo(PoolRecord.READY);
    assertThat(r.instanceProfileArn())
        .endsWith("instance-profile/orchestra/orchestra-pool-gamma-agent");
    assertThat(
            aws.iam().listRolePolicies(b -> b.roleName("orchestra-pool-gamma-agent")).policyNames())
        .containsExactly("orchestra-agent");
  }

  @Test
  void create_whoseResourcesFail_isFailedWithWhy_andARepeatFinishesIt() {
    Map<String, String> bad = new java.util.HashMap<>(config.asMap());
    bad.put(EnvVars.RESULTS_QUEUE_URL, "https://sqs.us-east-1.amazonaws.com");
    PoolOperations broken = new PoolOperations(new OrchestraConfig(bad), aws);
    assertThatThrownBy(() -> broken.create(pool("kappa", 2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("results queue URL");
    PoolRecord failed = ops.record("kappa");
    assertThat(failed.status()).isEqualTo(PoolRecord.FAILED);
    assertThat(failed.message()).contains("results queue URL").contains("orchestra pool create");
    assertThat(ops.create(pool("kappa", 2)).status()).isEqualTo(PoolRecord.READY);
    assertThat(ops.record("kappa").message()).isNull();
  }

  @Test
  void update_replacesTheConfiguration_andNeedsTheFilesName() {
    ops.create(pool("delta", 2));
    PoolRecord updated = ops.update("delta", pool("delta", 6));
    assertThat(updated.config().maxInstances()).isEqualTo(6);
    assertThat(ops.record("delta").config().maxInstances()).isEqualTo(6);
    assertThatThrownBy(() -> ops.update("other", pool("delta", 6)))
        .isInstanceOf(PoolRequestException.class)
        .hasMessageContaining("names pool delta");
    assertThatThrownBy(() -> ops.update("nope", pool("nope", 1)))
        .isInstanceOf(UnknownPoolException.class)
        .hasMessageContaining("orchestra pool list");
  }

  @Test
  void destroy_marksDestroying_repeatIsHarmless_andCreateWaits() {
    ops.create(pool("eps", 2));
    assertThat(ops.destroy("eps").status()).isEqualTo(PoolRecord.DESTROYING);
    assertThat(ops.destroy("eps").status()).isEqualTo(PoolRecord.DESTROYING);
    assertThatThrownBy(() -> ops.create(pool("eps", 2)))
        .isInstanceOf(PoolRequestException.class)
        .hasMessageContaining("DESTROYED");
    assertThatThrownBy(() -> ops.destroy("never")).isInstanceOf(UnknownPoolException.class);
  }

  @Test
  void status_showsTheQueueAndTheLastDecision() {
    ops.create(pool("zeta", 2));
    PoolOperations.Status s = ops.status("zeta");
    assertThat(s.pool().status()).isEqualTo(PoolRecord.READY);
    assertThat(s.instances()).isEmpty();
    assertThat(s.pendingRuns()).isZero();
  }

  static Workload workload(String run, int attempt) {
    return new Workload(
        "exp-0123abcd",
        "exp-0123abcd-" + run,
        attempt,
        "nonce-1",
        Map.of("lr", 0.1),
        "python:3.12",
        "python train.py",
        Map.of(),
        Map.of(),
        0,
        null,
        null);
  }

  @Test
  void dispatcher_putsTheWorkItemOnTheQueue_andRefusesAPoolThatIsNotReady() {
    PoolRecord r = ops.create(pool("eta", 2));
    try (LoopContext ctx = new LoopContext(config)) {
      WorkloadDispatcher d = ctx.dispatcher("pool/eta");
      d.dispatch(workload("r00001", 1));
      // A repeated Dispatch (an engine retry, a duplicated invocation) queues nothing more.
      d.dispatch(workload("r00001", 1));
      var msgs =
          aws.sqs()
              .receiveMessage(b -> b.queueUrl(r.workQueueUrl()).maxNumberOfMessages(10))
              .messages();
      assertThat(msgs).hasSize(1);
      PoolWorkItem.Item item = PoolWorkItem.decode(msgs.get(0).body());
      assertThat(item.runId()).isEqualTo("exp-0123abcd-r00001");
      assertThat(item.nonce()).isEqualTo("nonce-1");
      d.dispatch(workload("r00001", 2));
      assertThat(
              aws.sqs()
                  .receiveMessage(b -> b.queueUrl(r.workQueueUrl()).maxNumberOfMessages(10))
                  .messages())
          .as("the next attempt is queued")
          .hasSize(1);
      assertThatThrownBy(() -> ctx.dispatcher("pool/missing").dispatch(workload("r00002", 1)))
          .isInstanceOf(DispatchFailedException.class)
          .hasMessageContaining("orchestra pool create");
      ops.create(pool("theta", 2));
      ops.destroy("theta");
      assertThatThrownBy(() -> ctx.dispatcher("pool/theta").dispatch(workload("r00003", 1)))
          .isInstanceOf(DispatchFailedException.class)
          .hasMessageContaining("DESTROYING");
    }
  }

  static SQSEvent event(String body) {
    SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
    m.setMessageId("m-" + body.hashCode());
    m.setBody(body);
    SQSEvent e = new SQSEvent();
    e.setRecords(List.of(m));
    return e;
  }

  @Test
  void agentReports_onTheResultsQueue_areStored_laterReportsWin_unknownPoolsDropped() {
    ops.create(pool("iota", 2));
    try (LoopContext ctx = new LoopContext(config)) {
      ResultsHandler h = new ResultsHandler(ctx);
      String busy =
          dev.orchestra.functions.Json.write(
              AgentReport.busy(
                  "iota", "i-0abc", "exp-0123abcd", "exp-0123abcd-r00001", 2, 100, 110));
      String olderIdle =
          dev.orchestra.functions.Json.write(AgentReport.idle("iota", "i-0abc", 90, 95));
      String unknown =
          dev.orchestra.functions.Json.write(AgentReport.idle("nobody", "i-0def", 90, 95));
      assertThat(h.handleRequest(event(busy), null).getBatchItemFailures()).isEmpty();
      assertThat(h.handleRequest(event(olderIdle), null).getBatchItemFailures()).isEmpty();
      assertThat(h.handleRequest(event(unknown), null).getBatchItemFailures()).isEmpty();
      Map<String, AgentReport> agents = ops.store().agents("iota");
      assertThat(agents).containsOnlyKeys("i-0abc");
      assertThat(agents.get("i-0abc").busy()).isTrue();
      assertThat(agents.get("i-0abc").attempt()).isEqualTo(2);
      assertThat(ops.store().agents("nobody")).isEmpty();
      String laterIdle =
          dev.orchestra.functions.Json.write(AgentReport.idle("iota", "i-0abc", 120, 121));
      h.handleRequest(event(laterIdle), null);
      assertThat(ops.store().agents("iota").get("i-0abc").busy()).isFalse();
    }
  }

  @Test
  void names_areTheContracts() {
    assertThat(PoolAgent.workQueueName("x")).isEqualTo("orchestra-pool-x");
    assertThat(PoolResources.ruleName("x")).isEqualTo("orchestra-pool-x-tick");
  }
}
