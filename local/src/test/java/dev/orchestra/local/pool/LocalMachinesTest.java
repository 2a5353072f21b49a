package dev.orchestra.local.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.Json;
import dev.orchestra.local.LocalAwsClients;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.loop.ControlPlanePlan;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.PoolAgent;
import dev.orchestra.shared.pool.PoolWorkItem;
import dev.orchestra.shared.run.RunStorage;
import dev.orchestra.shared.run.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The local pool machines on moto's EC2 through the router, without the scaling tick: instances
 * launched here with the real user data get agents that take work, carry it (busy/idle reports,
 * result with the nonce, output in S3), shut their instance down when idle, and die at once with
 * their instance; untagged instances are never run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalMachinesTest {
  static LocalRuntime runtime;
  static LocalAwsClients aws;
  static String ami;
  static String workQueue;
  static String results;
  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    runtime = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.02)));
    aws = runtime.aws();
    ami = aws.ec2().describeImages(b -> b.owners("amazon")).images().get(0).imageId();
    // A message an agent's long poll took as its instance died comes back after this (scaled, as
    // the pool's own queue): the next test's run is not held for SQS's default 30 s.
    workQueue =
        aws.sqs()
            .createQueue(
                b ->
                    b.queueName("orchestra-pool-lm")
                        .attributesWithStrings(Map.of("VisibilityTimeout", "2")))
            .queueUrl();
    // Not the control plane's results queue: the test reads what the agents send.
    results = aws.sqs().createQueue(b -> b.queueName("lm-results")).queueUrl();
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  static String launch(int idleSeconds, boolean tagged) {
    PoolConfig pool = AgentUserDataTest.pool("lm");
    byte[] userData =
        PoolAgent.userData(
            pool,
            new PoolAgent.Settings(
                workQueue, results, ControlPlanePlan.BUCKET, runtime.region(), idleSeconds, 1));
    return aws.ec2()
        .runInstances(
            b -> {
              b.imageId(ami)
                  .instanceType("t3.micro")
                  .minCount(1)
                  .maxCount(1)
                  .userData(Base64.getEncoder().encodeToString(userData));
              if (tagged) {
                b.tagSpecifications(
                    TagSpecification.builder()
                        .resourceType(ResourceType.INSTANCE)
                        .tags(Tag.builder().key(PoolConfig.OWNERSHIP_TAG).value("lm").build())
                        .build());
              }
            })
        .instances()
        .get(0)
        .instanceId();
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

  static void send(String run, String nonce, String command) {
    Workload w =
        new Workload(
            "lm-exp",
            run,
            1,
            nonce,
            Map.of("x", 1),
            "ignored-locally",
            command,
            Map.of(),
            Map.of(),
            0,
            null,
            dir.toString());
    aws.sqs().sendMessage(b -> b.queueUrl(workQueue).messageBody(PoolWorkItem.encode(w)));
  }

  static final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();

  static List<Map<String, Object>> drain() {
    var messages =
        aws.sqs()
            .receiveMessage(b -> b.queueUrl(results).maxNumberOfMessages(10).waitTimeSeconds(0))
            .messages();
    for (var m : messages) {
      received.add(Json.readMap(m.body()));
      aws.sqs().deleteMessage(b -> b.queueUrl(results).receiptHandle(m.receiptHandle()));
    }
    return received;
  }

  static List<Map<String, Object>> about(String run, String kind) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> m : received) {
      if (run.equals(m.get("run_id")) && kind.equals(m.get("kind"))) {
        out.add(m);
      }
    }
    return out;
  }

  @Test
  @Order(1)
  void agentsCarryWork_shutDownWhenIdle_dieWithTheirInstance_andLeaveUntaggedAlone()
      throws Exception {
    String untagged = launch(60, false);
    String a = launch(8, true);
    String idle = launch(1, true);
    Poll.until(
        "agents for both tagged instances",
        Duration.ofSeconds(10),
        () -> runtime.machines().agents().keySet().containsAll(List.of(a, idle)));

    // One run, carried to its result with the nonce.
    send(
        "lm-r1",
        "nonce-1",
        "echo training; echo '{\"loss\": 0.5}' > \"$ORCHESTRA_METRICS_FILE\"; env > env.txt");
    Poll.until(
        "the result of lm-r1",
        Duration.ofSeconds(20),
        () -> drain().stream().anyMatch(m -> "result".equals(m.get("kind"))));
    Map<String, Object> result = about("lm-r1", "result").get(0);
    assertThat(result).containsEntry("nonce", "nonce-1").containsEntry("exit_code", 0);
    assertThat(result.get("metrics")).isEqualTo(Map.of("loss", 0.5));
    List<Map<String, Object>> busy = about("lm-r1", "agent");
    assertThat(busy).isNotEmpty();
    assertThat(busy.get(0)).containsEntry("state", "busy").containsEntry("pool", "lm");
    String carrier = (String) busy.get(0).get("instance_id");
    assertThat(carrier).isIn(a, idle);
    // The run contract's environment, never the nonce.
    String env = Files.readString(dir.resolve("env.txt"));
    assertThat(env).contains("ORCHESTRA_RUN_ID=lm-r1").doesNotContain("nonce-1");
    assertThat(
            aws.s3()
                .getObjectAsBytes(
                    b ->
                        b.bucket(ControlPlanePlan.BUCKET)
                            .key(RunStorage.outputKey("lm-exp", "lm-r1", 1)))
                .asUtf8String())
        .contains("training");
    Poll.until(
        "an idle report after lm-r1",
        Duration.ofSeconds(10),
        () ->
            drain().stream()
                .anyMatch(
                    m ->
                        carrier.equals(m.get("instance_id"))
                            && "idle".equals(m.get("state"))
                            && ((Number) m.get("since")).longValue()
                                >= ((Number) busy.get(0).get("since")).longValue()));

    // The instance with the short idle timeout shuts itself down (if it did not take the run).
    Poll.until(
        "the idle instance to terminate itself",
        Duration.ofSeconds(20),
        () -> state(idle) == InstanceStateName.TERMINATED);

    // A long run whose instance is terminated by someone else: killed at once, nothing more sent.
    Path pidFile = dir.resolve("pid");
    send("lm-r2", "nonce-2", "echo $$ > pid; exec sleep 60");
    Poll.until(
        "lm-r2 to run",
        Duration.ofSeconds(20),
        () -> drain() != null && Files.exists(pidFile) && !about("lm-r2", "agent").isEmpty());
    Poll.until("the pid", Duration.ofSeconds(5), () -> readPid(pidFile) > 0);
    long pid = readPid(pidFile);
    String runner = (String) about("lm-r2", "agent").get(0).get("instance_id");
    assertThat(runner).isEqualTo(a);
    aws.ec2().terminateInstances(b -> b.instanceIds(runner));
    Poll.until(
        "the process of lm-r2 to die",
        Duration.ofSeconds(5),
        () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    Poll.until(
        "the agent to be gone",
        Duration.ofSeconds(5),
        () -> !runtime.machines().agents().containsKey(runner));
    drain();
    int before = received.size();
    // Two heartbeat periods: a living agent would have said something by now.
    long quiet = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < quiet) {
      drain();
      Thread.sleep(200);
    }
    assertThat(received.subList(before, received.size()))
        .as("messages after the instance was terminated")
        .isEmpty();
    assertThat(about("lm-r2", "result")).isEmpty();

    // Never an agent for the untagged instance, and it still runs.
    assertThat(runtime.machines().agents()).doesNotContainKey(untagged);
    assertThat(state(untagged)).isEqualTo(InstanceStateName.RUNNING);
  }

  /**
   * The runtime stops while a run is in flight (its process dies with it) and a new one starts
   * against the same moto: it reports the attempt lost (the control plane retries it) and
   * re-attaches an agent to the instance, which still runs.
   */
  /**
   * A run whose folder is missing here fails with exit 125 and the reason, as agent.sh reports an
   * image that cannot start.
   */
  @Test
  @Order(2)
  void aRunThatCannotStart_isReportedAsExit125_withTheReason() {
    String instance = launch(60, true);
    Poll.until(
        "an agent for " + instance,
        Duration.ofSeconds(10),
        () -> runtime.machines().agents().containsKey(instance));
    Workload w =
        new Workload(
            "lm-exp",
            "lm-r4",
            1,
            "nonce-4",
            Map.of("x", 1),
            "ignored-locally",
            "true",
            Map.of(),
            Map.of(),
            0,
            null,
            dir.resolve("no-such-folder").toString());
    aws.sqs().sendMessage(b -> b.queueUrl(workQueue).messageBody(PoolWorkItem.encode(w)));
    Poll.until(
        "the result of lm-r4",
        Duration.ofSeconds(20),
        () -> drain() != null && !about("lm-r4", "result").isEmpty());
    Map<String, Object> result = about("lm-r4", "result").get(0);
    assertThat(result).containsEntry("nonce", "nonce-4").containsEntry("exit_code", 125);
    assertThat((String) result.get("output_tail")).contains("could not be started");
    aws.ec2().terminateInstances(b -> b.instanceIds(instance));
  }

  @Test
  @Order(3)
  void aRestartedRuntime_reportsTheAttemptInFlightLost_andReattachesToTheRunningInstance()
      throws Exception {
    String instance = launch(60, true);
    Poll.until(
        "an agent for " + instance,
        Duration.ofSeconds(10),
        () -> runtime.machines().agents().containsKey(instance));
    Path pidFile = dir.resolve("pid-r3");
    send("lm-r3", "nonce-3", "echo $$ > pid-r3; exec sleep 60");
    Poll.until("lm-r3 to run", Duration.ofSeconds(20), () -> readPid(pidFile) > 0);
    long pid = readPid(pidFile);

    runtime.machines().close(); // what the runtime's close does
    Poll.until(
        "the process of lm-r3 to die with its runtime",
        Duration.ofSeconds(5),
        () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    assertThat(state(instance)).isEqualTo(InstanceStateName.RUNNING);

    var threads = java.util.concurrent.Executors.newScheduledThreadPool(2);
    try (LocalMachines next =
        new LocalMachines(
            aws.ec2(),
            aws.sqs(),
            new dev.orchestra.functions.carrier.RunCarrier(
                new dev.orchestra.functions.carrier.AwsCarrierTransport(aws.sqs(), aws.s3()),
                threads,
                dir.resolve("scratch")),
            dir,
            runtime.stateDir())) {
      next.start();
      assertThat(next.lostReportedTo()).containsExactly(results);
      Poll.until(
          "the lost report of lm-r3",
          Duration.ofSeconds(10),
          () -> drain() != null && !about("lm-r3", "result").isEmpty());
      Map<String, Object> lost = about("lm-r3", "result").get(0);
      assertThat(lost).containsEntry("nonce", "nonce-3").containsEntry("attempt", 1);
      assertThat(lost.get("exit_code")).isNull();
      Poll.until(
          "an agent re-attached to " + instance,
          Duration.ofSeconds(10),
          () -> next.agents().containsKey(instance));
    } finally {
      threads.shutdownNow();
    }
  }

  static long readPid(Path file) {
    try {
      String s = Files.readString(file).trim();
      return s.isEmpty() ? 0 : Long.parseLong(s);
    } catch (Exception e) {
      return 0;
    }
  }
}
