package dev.orchestra.local.pool;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.carrier.RunCarrier;
import dev.orchestra.local.node.CarriedAttempts;
import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.pool.PoolWorkItem;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The Java twin of {@code agent.sh}, for one moto instance of a pool: takes one run at a time from
 * the pool's work queue (long poll, then delete), says busy on the results queue ({@link
 * AgentReport}), runs the item's command in its {@code workdir} as a local process under the run
 * contract through the same carrier as the process node (heartbeats, output upload, one result with
 * the nonce), says idle, and repeats; the state is re-sent every heartbeat period. After the idle
 * timeout without work it terminates its own instance (an instance-initiated shutdown with shutdown
 * behaviour terminate). When the instance is terminated by anyone else ({@link #kill()}), it kills
 * the process at once and sends nothing more: what a spot interruption looks like.
 *
 * <p>Settings come from the instance's user data ({@link AgentUserData}), as the real agent reads
 * them: work and results queues, bucket, idle timeout and heartbeat period (both already scaled by
 * the tick that launched it).
 */
final class LocalAgent {
  private static final Logger LOG = LoggerFactory.getLogger(LocalAgent.class);

  /** Local long polls are short so a kill or the idle timeout is seen within a second. */
  static final int RECEIVE_WAIT_SECONDS = 1;

  /** The settings the agent needs, from the user data's agent.env. */
  record Settings(
      String pool,
      String workQueueUrl,
      String resultsQueueUrl,
      String bucket,
      Duration idleTimeout,
      Duration heartbeat) {

    static Settings of(Map<String, String> env) {
      return new Settings(
          required(env, "ORCHESTRA_POOL"),
          required(env, "ORCHESTRA_WORK_QUEUE_URL"),
          required(env, "ORCHESTRA_RESULTS_QUEUE_URL"),
          required(env, "ORCHESTRA_BUCKET"),
          Duration.ofSeconds(Long.parseLong(required(env, "ORCHESTRA_IDLE_TIMEOUT_SECONDS"))),
          Duration.ofSeconds(
              Math.max(1, Long.parseLong(env.getOrDefault("ORCHESTRA_HEARTBEAT_SECONDS", "60")))));
    }

    private static String required(Map<String, String> env, String name) {
      String v = env.get(name);
      if (v == null || v.isBlank()) {
        throw new IllegalArgumentException("the user data's agent.env has no " + name);
      }
      return v;
    }
  }

  private final String instanceId;
  private final Settings settings;
  private final SqsClient sqs;
  private final Ec2Client ec2;
  private final CarriedAttempts attempts;
  private final Path defaultWorkdir;
  private final Thread thread;
  private volatile boolean dead;

  /** Set while the agent terminates its own instance: a kill then must not interrupt that call. */
  private volatile boolean shuttingDown;

  private volatile RunCarrier.Running current;
  private long lastAt;
  private final java.util.List<String> carried = new java.util.concurrent.CopyOnWriteArrayList<>();

  LocalAgent(
      String instanceId,
      Settings settings,
      SqsClient sqs,
      Ec2Client ec2,
      CarriedAttempts attempts,
      Path defaultWorkdir) {
    this.instanceId = instanceId;
    this.settings = settings;
    this.sqs = sqs;
    this.ec2 = ec2;
    this.attempts = attempts;
    this.defaultWorkdir = defaultWorkdir;
    this.thread = new Thread(this::loop, "pool-agent-" + instanceId);
    this.thread.setDaemon(true);
  }

  LocalAgent start() {
    thread.start();
    return this;
  }

  String instanceId() {
    return instanceId;
  }

  String pool() {
    return settings.pool();
  }

  /** Whether the loop still runs (false after the idle shutdown, a kill or a stop). */
  boolean alive() {
    return thread.isAlive();
  }

  /**
   * The run attempts this agent took from the work queue ({@code <run id>-a<attempt>}), in order.
   */
  java.util.List<String> carried() {
    return java.util.List.copyOf(carried);
  }

  /**
   * The instance is gone (terminated by someone else): the process dies at once and nothing more is
   * sent, as on a machine that lost its power.
   */
  void kill() {
    dead = true;
    RunCarrier.Running r = current;
    if (r != null) {
      LOG.info("instance {} terminated: killing pid {}", instanceId, r.pid());
      r.release();
    }
    if (!shuttingDown) {
      thread.interrupt();
    }
  }

  /**
   * The runtime stops: the process dies with it (its attempt stays in the ledger, for the next
   * runtime to report lost), the instance lives on.
   */
  void stop() {
    kill();
  }

  private void loop() {
    LOG.info(
        "instance {}: agent of pool {} polling {}; idle timeout {}",
        instanceId,
        settings.pool(),
        settings.workQueueUrl(),
        settings.idleTimeout());
    Instant idleSince = Instant.now();
    Instant lastReport = Instant.EPOCH;
    while (!dead) {
      Instant now = Instant.now();
      if (!now.isBefore(idleSince.plus(settings.idleTimeout()))) {
        shutDown();
        return;
      }
      if (!now.isBefore(lastReport.plus(settings.heartbeat()))) {
        report(
            AgentReport.idle(pool(), instanceId, idleSince.getEpochSecond(), now.getEpochSecond()));
        lastReport = now;
      }
      Message message;
      try {
        message = receive();
      } catch (RuntimeException e) {
        if (dead) {
          return;
        }
        LOG.warn("instance {}: could not poll the work queue: {}", instanceId, e.toString());
        pause(Duration.ofSeconds(1));
        continue;
      }
      if (message == null || dead) {
        continue; // a dead machine's taken message comes back after its visibility timeout
      }
      PoolWorkItem.Item item;
      try {
        item = PoolWorkItem.decode(message.body());
      } catch (RuntimeException notAnItem) {
        LOG.warn("instance {}: ignoring a message that is not a work item", instanceId);
        continue;
      }
      try {
        sqs.deleteMessage(
            b -> b.queueUrl(settings.workQueueUrl()).receiptHandle(message.receiptHandle()));
      } catch (RuntimeException e) {
        LOG.warn(
            "instance {}: could not delete the work item of {}; it may run twice (the nonce keeps"
                + " one result): {}",
            instanceId,
            item.runId(),
            e.toString());
      }
      carry(item); // ends with an idle report
      idleSince = Instant.now();
      lastReport = idleSince;
    }
  }

  private Message receive() {
    return sqs
        .receiveMessage(
            b ->
                b.queueUrl(settings.workQueueUrl())
                    .maxNumberOfMessages(1)
                    .waitTimeSeconds(RECEIVE_WAIT_SECONDS))
        .messages()
        .stream()
        .findFirst()
        .orElse(null);
  }

  /** Runs one item to its end (or until the instance dies), reporting busy meanwhile. */
  private void carry(PoolWorkItem.Item item) {
    Instant since = Instant.now();
    carried.add(dev.orchestra.shared.run.RunContract.workloadName(item.runId(), item.attempt()));
    LOG.info("instance {}: running {} attempt {}", instanceId, item.runId(), item.attempt());
    report(busy(item, since));
    RunCarrier.Attempt attempt =
        new RunCarrier.Attempt(
            item.experimentId(),
            item.runId(),
            item.attempt(),
            item.nonce(),
            item.command(),
            item.workdir() == null || item.workdir().isBlank()
                ? defaultWorkdir
                : Path.of(item.workdir()),
            RunCarrier.trainingOnly(item.env()),
            settings.resultsQueueUrl(),
            settings.bucket(),
            settings.heartbeat());
    RunCarrier.Running running;
    try {
      running = attempts.start(attempt);
    } catch (IOException e) {
      // As agent.sh with an image that cannot start: exit 125 and the reason, through the carrier.
      LOG.warn("instance {}: {} did not start: {}", instanceId, item.runId(), e.toString());
      running = null;
      try {
        running =
            attempts.start(
                new RunCarrier.Attempt(
                    attempt.experimentId(),
                    attempt.runId(),
                    attempt.attempt(),
                    attempt.nonce(),
                    "echo 'orchestra: the run could not be started: "
                        + e.getMessage().replace("'", "")
                        + "'; exit 125",
                    null,
                    attempt.trainingEnv(),
                    attempt.resultsQueueUrl(),
                    attempt.bucket(),
                    attempt.heartbeatInterval()));
      } catch (IOException again) {
        LOG.error("instance {}: cannot start processes: {}", instanceId, again.toString());
        return;
      }
    }
    current = running;
    if (dead) {
      running.release();
    }
    while (true) {
      try {
        running.completion().get(settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException stillRunning) {
        report(busy(item, since));
      } catch (InterruptedException e) {
        if (!dead) {
          Thread.currentThread().interrupt();
        }
        // killed: the release completes the attempt as released, without a result
        waitQuietly(running);
        break;
      } catch (ExecutionException e) {
        LOG.warn("instance {}: carrying {} failed: {}", instanceId, item.runId(), e.getCause());
        break;
      }
    }
    current = null;
    if (!dead) {
      Instant now = Instant.now();
      report(AgentReport.idle(pool(), instanceId, now.getEpochSecond(), now.getEpochSecond()));
    }
  }

  private AgentReport busy(PoolWorkItem.Item item, Instant since) {
    return AgentReport.busy(
        pool(),
        instanceId,
        item.experimentId(),
        item.runId(),
        item.attempt(),
        since.getEpochSecond(),
        Instant.now().getEpochSecond());
  }

  private static void waitQuietly(RunCarrier.Running running) {
    try {
      running.completion().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("released attempt did not complete: {}", e.toString());
    }
  }

  private synchronized void report(AgentReport r) {
    if (dead) {
      return;
    }
    // As agent.sh: "at" strictly increases across this agent's reports (the pool store keeps
    // only a later one), so a busy and an idle report in the same second both count.
    long at = Math.max(r.at(), lastAt + 1);
    lastAt = at;
    AgentReport sent =
        new AgentReport(
            r.version(),
            r.kind(),
            r.pool(),
            r.instanceId(),
            r.state(),
            r.experimentId(),
            r.runId(),
            r.attempt(),
            r.since(),
            at);
    try {
      sqs.sendMessage(b -> b.queueUrl(settings.resultsQueueUrl()).messageBody(Json.write(sent)));
    } catch (RuntimeException e) {
      // The next report (every heartbeat period) says it again.
      LOG.warn("instance {}: agent report not sent: {}", instanceId, e.toString());
    }
  }

  /** No work for the idle timeout: the instance shuts down, and terminates (its behaviour). */
  private void shutDown() {
    LOG.info(
        "instance {}: no work for {}: shutting the instance down",
        instanceId,
        settings.idleTimeout());
    shuttingDown = true;
    dead = true;
    try {
      ec2.terminateInstances(b -> b.instanceIds(instanceId));
    } catch (RuntimeException e) {
      LOG.warn("instance {}: could not shut down: {}", instanceId, e.toString());
    }
  }

  private void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // back off a failing poll; nothing to wait on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      dead = true;
    }
  }
}
