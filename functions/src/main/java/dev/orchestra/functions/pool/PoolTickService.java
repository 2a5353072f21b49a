package dev.orchestra.functions.pool;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.pool.PoolAgent;
import dev.orchestra.shared.pool.PoolScaler;
import dev.orchestra.shared.pool.PoolScaler.Capacity;
import dev.orchestra.shared.run.RunInterruptedException;
import dev.orchestra.shared.run.RunLostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceInterruptionBehavior;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SpotInstanceRequest;
import software.amazon.awssdk.services.ec2.model.SpotInstanceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One scaling tick of one pool, fired by the pool's schedule: observe (the work queue's waiting
 * runs, the instances and spot requests carrying the pool's tag, the agents' last reports, the
 * recent capacity refusals) → {@link PoolScaler#decide} → apply (launch, walking the type fallback
 * order on InsufficientInstanceCapacity within the tick; terminate; cancel spot requests), then
 * fail the attempts whose instance vanished under them (a spot interruption), reap tagged instances
 * no pool knows, and take a DESTROYING pool down. Every decision's reasons are logged and stored
 * for {@code pool status}.
 *
 * <p>Only instances a Describe filtered on the ownership tag returned are ever terminated.
 */
public final class PoolTickService {
  private static final Logger LOG = LoggerFactory.getLogger(PoolTickService.class);

  /** EC2 error codes that mean "no capacity for this type/market now": try the next option. */
  public static final Set<String> CAPACITY_ERRORS =
      Set.of(
          "InsufficientInstanceCapacity",
          "InsufficientCapacity",
          "SpotMaxPriceTooLow",
          "MaxSpotInstanceCountExceeded",
          "InsufficientHostCapacity");

  /**
   * RunInstances' retries: the standard ones (throttling, 5xx, I/O), except a capacity refusal. EC2
   * answers InsufficientInstanceCapacity with HTTP 500, which the standard strategy would ask again
   * five times with backoff (seconds per refused type); the fallback order is the answer.
   */
  static final software.amazon.awssdk.retries.api.RetryStrategy LAUNCH_RETRIES =
      software.amazon.awssdk.retries.DefaultRetryStrategy.standardStrategyBuilder()
          .maxAttempts(dev.orchestra.functions.aws.AwsClients.MAX_ATTEMPTS)
          .retryOnException(
              t ->
                  !capacityRefusal(t)
                      && (t instanceof software.amazon.awssdk.core.exception.SdkClientException
                          || (t
                                  instanceof
                                  software.amazon.awssdk.core.exception.SdkServiceException s
                              && (s.isThrottlingException() || s.statusCode() >= 500))))
          .treatAsThrottling(
              t ->
                  t instanceof software.amazon.awssdk.core.exception.SdkServiceException s
                      && s.isThrottlingException())
          .build();

  static boolean capacityRefusal(Throwable t) {
    return t instanceof Ec2Exception e
        && e.awsErrorDetails() != null
        && CAPACITY_ERRORS.contains(e.awsErrorDetails().errorCode());
  }

  static final Duration BOOT_TIMEOUT = Duration.ofMinutes(10);
  static final Duration REFUSAL_COOLDOWN = Duration.ofMinutes(5);
  static final Duration LEASE = Duration.ofSeconds(60);
  static final String DEFAULT_ROOT_DEVICE = "/dev/xvda";

  /** The terminated mark of an instance released with its run attempt (PoolWorkDispatcher). */
  static final String RELEASED = "released";

  /**
   * The deployment's side of the agents' settings.
   *
   * @param heartbeatSeconds the carriers' heartbeat period, already scaled
   * @param timeScale multiplies the idle, boot and cooldown times
   */
  public record Settings(
      String resultsQueueUrl,
      String bucket,
      String region,
      int heartbeatSeconds,
      double timeScale) {}

  private final PoolStore store;
  private final PoolInstances instances;
  private final Supplier<Ec2Client> ec2;
  private final Supplier<SqsClient> sqs;
  private final PoolResources resources;
  private final Supplier<DynamoDbExperimentStore> runs;
  private final StepFunctions sfn;
  private final Settings settings;
  private final Clock clock;

  public PoolTickService(
      PoolStore store,
      PoolInstances instances,
      Supplier<Ec2Client> ec2,
      Supplier<SqsClient> sqs,
      PoolResources resources,
      Supplier<DynamoDbExperimentStore> runs,
      StepFunctions sfn,
      Settings settings,
      Clock clock) {
    this.store = store;
    this.instances = instances;
    this.ec2 = ec2;
    this.sqs = sqs;
    this.resources = resources;
    this.runs = runs;
    this.sfn = sfn;
    this.settings = settings;
    this.clock = clock;
  }

  /** What one tick did (the handler's output). */
  public record Summary(
      String pool,
      String status,
      int pendingRuns,
      List<String> launched,
      List<String> terminated,
      List<String> cancelledSpotRequests,
      List<String> failedAttempts,
      List<String> heartbeats,
      List<String> reasons) {}

  /** One tick of {@code pool}. */
  public Summary tick(String pool) {
    Instant now = clock.instant();
    Tick t = new Tick(pool, now);
    reapOrphans(t);
    PoolStore.Snapshot snap = store.snapshot(pool);
    if (snap.pool().isEmpty()) {
      t.reasons.add("no pool named " + pool + ": only orphans were reaped");
      return t.summary("UNKNOWN", 0);
    }
    PoolRecord record = snap.pool().get().record();
    String status = record.status();
    if (!PoolRecord.READY.equals(status) && !PoolRecord.DESTROYING.equals(status)) {
      t.reasons.add("pool " + pool + " is " + status + ": nothing to scale");
      return t.summary(status, 0);
    }
    if (!store.lease(pool, now, now.plus(LEASE))) {
      t.reasons.add("another tick of pool " + pool + " is running: this one did nothing");
      return t.summary(status, 0);
    }
    try {
      List<Instance> all = instances.of(pool, List.of());
      failInterrupted(t, snap, all);
      int pending = 0;
      if (PoolRecord.DESTROYING.equals(status)) {
        status = destroy(t, record, all);
      } else {
        heartbeatQueued(t, snap);
        pending = pendingRuns(record);
        scale(t, snap.pool().get(), snap, all, pending);
      }
      t.reasons.forEach(r -> LOG.info("pool {}: {}", pool, r));
      if (!PoolRecord.DESTROYED.equals(status)) {
        store.recordDecision(pool, t.refusals, t.reasons, now);
      }
      return t.summary(status, pending);
    } finally {
      store.release(pool);
    }
  }

  /** The accumulating result of one tick. */
  private static final class Tick {
    final String pool;
    final Instant now;
    final List<String> launched = new ArrayList<>();
    final List<String> terminated = new ArrayList<>();
    final List<String> cancelled = new ArrayList<>();
    final List<String> failed = new ArrayList<>();
    final List<String> heartbeats = new ArrayList<>();
    final List<String> reasons = new ArrayList<>();
    final List<PoolScaler.Refusal> refusals = new ArrayList<>();

    Tick(String pool, Instant now) {
      this.pool = pool;
      this.now = now;
    }

    Summary summary(String status, int pending) {
      return new Summary(
          pool,
          status,
          pending,
          launched,
          terminated,
          cancelled,
          failed,
          heartbeats,
          List.copyOf(reasons));
    }
  }

  /**
   * When the tick terminates an idle instance: the idle timeout plus two heartbeat periods, so the
   * agent's own shutdown (at exactly the idle timeout, with no item taken) normally comes first and
   * the tick rarely races an agent that has just taken an item.
   */
  Duration idleBackstop(PoolConfig pool) {
    return scaled(Duration.ofMinutes(pool.idleTimeoutMinutes()))
        .plusSeconds(2L * settings.heartbeatSeconds());
  }

  private Duration scaled(Duration d) {
    return Duration.ofMillis(Math.max(1, Math.round(d.toMillis() * settings.timeScale())));
  }

  // ---- observe and scale ----------------------------------------------------------------------

  private void scale(
      Tick t, PoolStore.Stored stored, PoolStore.Snapshot snap, List<Instance> all, int pending) {
    PoolRecord record = stored.record();
    PoolConfig pool = record.config();
    Duration cooldown = scaled(REFUSAL_COOLDOWN);
    for (PoolScaler.Refusal r : stored.refusals()) {
      if (t.now.isBefore(r.at().plus(cooldown))) {
        t.refusals.add(r);
      }
    }
    List<String> strays = strays(t, snap, all);
    if (!strays.isEmpty()) {
      terminate(t, strays, "stray");
    }
    List<PoolScaler.Instance> observed = new ArrayList<>();
    for (Instance i : all) {
      PoolScaler.State state = state(i);
      if (state == PoolScaler.State.TERMINATED
          || snap.terminated().containsKey(i.instanceId())
          || strays.contains(i.instanceId())) {
        continue;
      }
      AgentReport a = snap.agents().get(i.instanceId());
      observed.add(
          new PoolScaler.Instance(
              i.instanceId(),
              i.instanceTypeAsString(),
              PoolInstances.spot(i) ? Capacity.SPOT : Capacity.ON_DEMAND,
              state,
              a != null && a.busy(),
              a != null && !a.busy() ? Instant.ofEpochSecond(a.since()) : null,
              i.launchTime() == null ? t.now : i.launchTime(),
              i.spotInstanceRequestId()));
    }
    List<PoolScaler.SpotRequest> requests = new ArrayList<>();
    for (SpotInstanceRequest r : instances.spotRequests(t.pool)) {
      requests.add(
          new PoolScaler.SpotRequest(
              r.spotInstanceRequestId(),
              r.launchSpecification() == null
                  ? null
                  : r.launchSpecification().instanceTypeAsString(),
              r.stateAsString(),
              r.instanceId()));
    }
    PoolScaler.Decision d =
        PoolScaler.decide(
            new PoolScaler.Observation(
                pool,
                pending,
                observed,
                requests,
                t.refusals,
                t.now,
                idleBackstop(pool),
                scaled(BOOT_TIMEOUT),
                cooldown));
    t.reasons.addAll(d.reasons());
    if (!d.terminate().isEmpty()) {
      terminate(t, d.terminate(), "scaler");
    }
    if (!d.cancelSpotRequests().isEmpty()) {
      instances.cancelSpotRequests(d.cancelSpotRequests());
      t.cancelled.addAll(d.cancelSpotRequests());
    }
    if (d.launch() != null) {
      launch(t, record, d.launch(), cooldown);
    }
  }

  /**
   * Instances whose agent has said for longer than the boot timeout that it is busy with a run
   * attempt no experiment runs any more (the run finished, moved to another attempt, or is unknown)
   * and that has had no sign of life for as long: stuck, and known to no experiment. The scaler
   * never touches busy instances, so without this they would run (and cost) forever. An instance
   * busy with a run that was stopped is released at the next tick, without the grace.
   */
  private List<String> strays(Tick t, PoolStore.Snapshot snap, List<Instance> all) {
    Duration grace = scaled(BOOT_TIMEOUT);
    List<String> out = new ArrayList<>();
    for (Instance i : all) {
      PoolScaler.State state = state(i);
      AgentReport a = snap.agents().get(i.instanceId());
      if ((state != PoolScaler.State.RUNNING && state != PoolScaler.State.PENDING)
          || snap.terminated().containsKey(i.instanceId())
          || a == null
          || !a.busy()) {
        continue;
      }
      RunRecord run = runs.get().run(a.experimentId(), a.runId()).orElse(null);
      if (run != null && run.status() == RunStatus.STOPPED) {
        // The run was stopped while its work item still waited on the queue (the stop had no
        // instance to release then) and an agent took the item afterwards: nothing will record
        // what it computes, so it is released at once rather than after the boot timeout.
        out.add(i.instanceId());
        t.reasons.add(
            i.instanceId()
                + " is busy with "
                + a.runId()
                + " attempt "
                + a.attempt()
                + ", which was stopped: terminated (stray)");
        continue;
      }
      if (t.now.isBefore(Instant.ofEpochSecond(a.since()).plus(grace))) {
        continue;
      }
      boolean running = run != null && !run.status().isFinal() && run.attempt() == a.attempt();
      boolean quiet =
          run == null
              || run.lastSignAt() == null
              || !t.now.isBefore(Instant.ofEpochMilli(run.lastSignAt()).plus(grace));
      if (!running && quiet) {
        out.add(i.instanceId());
        t.reasons.add(
            i.instanceId()
                + " has been busy since "
                + Instant.ofEpochSecond(a.since())
                + " with "
                + a.runId()
                + " attempt "
                + a.attempt()
                + ", which no experiment runs: terminated (stray)");
      }
    }
    return out;
  }

  private static PoolScaler.State state(Instance i) {
    return PoolScaler.State.valueOf(
        i.state().nameAsString().toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** Runs waiting on the pool's work queue. */
  private int pendingRuns(PoolRecord r) {
    String n =
        sqs.get()
            .getQueueAttributes(
                b ->
                    b.queueUrl(r.workQueueUrl())
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    return n == null ? 0 : Integer.parseInt(n);
  }

  /** Marks, then terminates; every id came from a Describe filtered on the pool's tag. */
  private void terminate(Tick t, List<String> ids, String reason) {
    Instant expires = t.now.plus(PoolWorkDispatcher.MARK_LIFETIME);
    for (String id : ids) {
      store.markTerminated(t.pool, id, reason, expires);
    }
    instances.terminate(ids);
    t.terminated.addAll(ids);
  }

  // ---- launch -------------------------------------------------------------------------------

  /**
   * Launches {@code first.count()} instances, starting with {@code first}'s type and capacity and
   * walking the rest of the fallback order when EC2 refuses capacity (each option at most once). An
   * option that gives fewer instances than asked is asked again for the rest (EC2 launches between
   * MinCount and MaxCount), until it gives none or refuses.
   */
  private void launch(Tick t, PoolRecord record, PoolScaler.Launch first, Duration cooldown) {
    PoolConfig pool = record.config();
    Image image;
    try {
      image = image(pool);
    } catch (IllegalStateException none) {
      t.reasons.add(none.getMessage() + ": nothing launched");
      return;
    }
    List<PoolScaler.Launch> order = PoolScaler.fallbackOrder(pool);
    int start = 0;
    for (int i = 0; i < order.size(); i++) {
      if (order.get(i).instanceType().equals(first.instanceType())
          && order.get(i).capacity() == first.capacity()) {
        start = i;
        break;
      }
    }
    int remaining = first.count();
    int calls = 0;
    for (int i = start; i < order.size() && remaining > 0; i++) {
      PoolScaler.Launch option = order.get(i);
      if (i != start && refused(t, option, cooldown)) {
        continue;
      }
      while (remaining > 0) {
        List<Instance> got;
        try {
          got = runInstances(record, image, option, remaining, calls++);
        } catch (Ec2Exception e) {
          String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
          if (code == null || !CAPACITY_ERRORS.contains(code)) {
            throw e;
          }
          t.refusals.add(new PoolScaler.Refusal(option.instanceType(), option.capacity(), t.now));
          t.reasons.add(
              option.instanceType()
                  + " "
                  + capacity(option.capacity())
                  + " refused: "
                  + code
                  + (i + 1 < order.size() ? "; trying the next option" : "; no option is left"));
          break;
        }
        if (got.isEmpty()) {
          break;
        }
        got.forEach(x -> t.launched.add(x.instanceId()));
        remaining -= got.size();
        t.reasons.add(
            "launched "
                + got.stream().map(Instance::instanceId).toList()
                + " ("
                + option.instanceType()
                + " "
                + capacity(option.capacity())
                + ")");
      }
    }
    if (remaining > 0) {
      t.reasons.add(remaining + " instance(s) could not be launched this tick");
    }
  }

  private static boolean refused(Tick t, PoolScaler.Launch option, Duration cooldown) {
    return t.refusals.stream()
        .anyMatch(
            r ->
                r.instanceType().equals(option.instanceType())
                    && r.capacity() == option.capacity()
                    && t.now.isBefore(r.at().plus(cooldown)));
  }

  private static String capacity(Capacity c) {
    return c == Capacity.SPOT ? "spot" : "on demand";
  }

  private List<Instance> runInstances(
      PoolRecord record, Image image, PoolScaler.Launch option, int count, int call) {
    PoolConfig pool = record.config();
    byte[] userData =
        PoolAgent.userData(
            pool,
            new PoolAgent.Settings(
                record.workQueueUrl(),
                settings.resultsQueueUrl(),
                settings.bucket(),
                settings.region(),
                (int)
                    Math.max(1, scaled(Duration.ofMinutes(pool.idleTimeoutMinutes())).toSeconds()),
                settings.heartbeatSeconds()));
    List<Tag> tags = new ArrayList<>();
    PoolAgent.tags(pool).forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
    List<TagSpecification> specs = new ArrayList<>();
    specs.add(TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build());
    specs.add(TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tags).build());
    RunInstancesRequest.Builder b =
        RunInstancesRequest.builder()
            .imageId(image.imageId())
            .instanceType(option.instanceType())
            .minCount(1)
            .maxCount(count)
            .metadataOptions(
                m ->
                    m.httpEndpoint(PoolAgent.METADATA.httpEndpoint())
                        .httpTokens(PoolAgent.METADATA.httpTokens())
                        .httpPutResponseHopLimit(PoolAgent.METADATA.httpPutResponseHopLimit())
                        .instanceMetadataTags(PoolAgent.METADATA.instanceTags()))
            .instanceInitiatedShutdownBehavior(PoolAgent.SHUTDOWN_BEHAVIOR)
            .iamInstanceProfile(p -> p.arn(record.instanceProfileArn()))
            .userData(Base64.getEncoder().encodeToString(userData))
            .blockDeviceMappings(
                m ->
                    m.deviceName(
                            image.rootDeviceName() == null
                                ? DEFAULT_ROOT_DEVICE
                                : image.rootDeviceName())
                        .ebs(
                            e ->
                                e.volumeType(pool.volumeType())
                                    .volumeSize(pool.volumeSizeGib())
                                    .deleteOnTermination(true)));
    if (!pool.subnets().isEmpty()) {
      b.subnetId(pool.subnets().get(call % pool.subnets().size()));
    }
    if (pool.securityGroup() != null) {
      b.securityGroupIds(pool.securityGroup());
    }
    if (option.capacity() == Capacity.SPOT) {
      specs.add(
          TagSpecification.builder()
              .resourceType(ResourceType.SPOT_INSTANCES_REQUEST)
              .tags(tags)
              .build());
      b.instanceMarketOptions(
          m ->
              m.marketType(MarketType.SPOT)
                  .spotOptions(
                      s ->
                          s.spotInstanceType(SpotInstanceType.ONE_TIME)
                              .instanceInterruptionBehavior(
                                  InstanceInterruptionBehavior.TERMINATE)));
    }
    b.tagSpecifications(specs);
    b.overrideConfiguration(
        o ->
            o.addPlugin(
                c ->
                    c.overrideConfiguration(
                        c.overrideConfiguration().toBuilder()
                            .retryStrategy(LAUNCH_RETRIES)
                            .build())));
    return ec2.get().runInstances(b.build()).instances();
  }

  /**
   * The pool's AMI: the fixed one, or the newest available image of the discovery's owner account
   * (and only that account) matching its name and architecture.
   */
  Image image(PoolConfig pool) {
    if (pool.ami() != null) {
      List<Image> found = ec2.get().describeImages(b -> b.imageIds(pool.ami())).images();
      if (found.isEmpty()) {
        throw new IllegalStateException(
            "AMI " + pool.ami() + " of pool " + pool.poolName() + " does not exist here");
      }
      return found.get(0);
    }
    PoolConfig.AmiDiscovery d = pool.amiDiscovery();
    return ec2
        .get()
        .describeImages(
            b ->
                b.owners(d.owner())
                    .filters(
                        Filter.builder().name("name").values(d.name()).build(),
                        Filter.builder().name("architecture").values(d.architecture()).build(),
                        Filter.builder().name("state").values("available").build()))
        .images()
        .stream()
        .filter(i -> d.owner().equals(i.ownerId()))
        .max(Comparator.comparing(i -> i.creationDate() == null ? "" : i.creationDate()))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no available "
                        + d.architecture()
                        + " AMI of account "
                        + d.owner()
                        + " is named like "
                        + d.name()));
  }

  // ---- interruptions ------------------------------------------------------------------------

  /**
   * An instance an agent said was busy with run R attempt A, now shutting down, terminated or no
   * longer listed: the attempt fails as interrupted (a spot interruption) or lost (anything else),
   * through the run's stored task token, if the run is still on that attempt. The run machine
   * retries it (same run id, next attempt, not charged to max_failed_runs). Only a termination
   * Orchestra made to release that attempt ({@code released}) is left alone; one Orchestra made for
   * another reason (idle backstop racing an agent that just took an item, orphan, stray, destroy)
   * still leaves the run without a carrier, and fails it as lost.
   */
  private void failInterrupted(Tick t, PoolStore.Snapshot snap, List<Instance> all) {
    Map<String, Instance> byId = new HashMap<>();
    all.forEach(i -> byId.put(i.instanceId(), i));
    for (AgentReport a : snap.agents().values()) {
      Instance i = byId.get(a.instanceId());
      PoolScaler.State state = i == null ? PoolScaler.State.TERMINATED : state(i);
      if (state != PoolScaler.State.SHUTTING_DOWN && state != PoolScaler.State.TERMINATED) {
        continue;
      }
      String mark = snap.terminated().get(a.instanceId());
      if (a.busy() && !RELEASED.equals(mark)) {
        boolean reclaimed =
            i != null
                && i.stateReason() != null
                && "Server.SpotInstanceTermination".equals(i.stateReason().code());
        // Unmarked, a spot instance gone is EC2's doing; marked, only EC2's own reason says so.
        boolean spot = reclaimed || (mark == null && i != null && PoolInstances.spot(i));
        String where = i == null ? "no longer listed" : i.state().nameAsString();
        failAttempt(
            t, a, spot, mark == null ? where : where + ", terminated by Orchestra (" + mark + ")");
      }
      store.forgetAgent(t.pool, a.instanceId());
    }
  }

  // ---- queued runs ---------------------------------------------------------------------------

  /**
   * Heartbeats the run attempts waiting on the pool's queue: a claimed and sent attempt no agent
   * reports busy with, whose run is still on it with a task token. Nothing else heartbeats the run
   * machine's Dispatch task while its item waits (instances booting, capacity refused, more runs
   * than instances), and it would fail as heartbeat lost. Claims of runs that moved on (finished,
   * another attempt, gone) are removed, so the partition does not grow.
   */
  private void heartbeatQueued(Tick t, PoolStore.Snapshot snap) {
    Set<String> carried = new HashSet<>();
    for (AgentReport a : snap.agents().values()) {
      if (a.busy()) {
        carried.add(a.runId() + "#a" + a.attempt());
      }
    }
    List<String> dropped = new ArrayList<>();
    for (PoolStore.Dispatch d : snap.dispatches()) {
      String what = d.runId() + " attempt " + d.attempt();
      RunRecord run;
      try {
        run = runs.get().run(ExperimentIds.experimentOf(d.runId()), d.runId()).orElse(null);
      } catch (StringIndexOutOfBoundsException notARunId) {
        run = null;
      }
      if (run == null || run.status().isFinal() || run.attempt() != d.attempt()) {
        if (store.forgetDispatch(t.pool, d)) {
          dropped.add(what);
        }
        continue;
      }
      if (!d.sent()
          || run.token() == null
          || carried.contains(d.runId() + "#a" + d.attempt())
          || t.failed.contains(what)) {
        continue;
      }
      if (sfn.heartbeat(run.token())) {
        t.heartbeats.add(what);
      }
    }
    if (!t.heartbeats.isEmpty()) {
      t.reasons.add("waiting on the queue, heartbeaten: " + t.heartbeats);
    }
    if (!dropped.isEmpty()) {
      t.reasons.add("dispatch claims of runs that moved on removed: " + dropped);
    }
  }

  private void failAttempt(Tick t, AgentReport a, boolean spot, String state) {
    RunRecord run = runs.get().run(a.experimentId(), a.runId()).orElse(null);
    String what = a.runId() + " attempt " + a.attempt();
    if (run == null
        || run.status().isFinal()
        || run.attempt() != a.attempt()
        || run.token() == null) {
      t.reasons.add(
          "instance "
              + a.instanceId()
              + " carrying "
              + what
              + " is "
              + state
              + "; the run has moved on: nothing to fail");
      return;
    }
    String message =
        spot
            ? "the spot instance "
                + a.instanceId()
                + " running this attempt was interrupted; the run is retried"
            : "the instance " + a.instanceId() + " running this attempt went away (" + state + ")";
    Map<String, Object> cause = new LinkedHashMap<>();
    cause.put("errorMessage", message);
    cause.put("exitCode", null);
    cause.put("metrics", null);
    cause.put("outputTail", null);
    boolean delivered =
        sfn.failure(
            run.token(),
            spot ? RunInterruptedException.NAME : RunLostException.NAME,
            Json.write(cause));
    t.failed.add(what);
    t.reasons.add(
        "instance "
            + a.instanceId()
            + " is "
            + state
            + " under "
            + what
            + ": the attempt failed as "
            + (spot ? "interrupted" : "lost")
            + (delivered ? "" : " (its task had closed already)"));
  }

  // ---- orphans and destroy --------------------------------------------------------------------

  /**
   * Terminates instances and cancels spot requests carrying the ownership tag of a pool that has no
   * record or is DESTROYED.
   */
  private void reapOrphans(Tick t) {
    List<Instance> tagged = instances.tagged();
    List<SpotInstanceRequest> requests = instances.taggedSpotRequests();
    if (tagged.isEmpty() && requests.isEmpty()) {
      return;
    }
    Map<String, String> status = new HashMap<>();
    store.list().forEach(p -> status.put(p.name(), p.status()));
    List<String> orphanRequests = new ArrayList<>();
    for (SpotInstanceRequest r : requests) {
      String owner = PoolInstances.poolOf(r);
      String s = status.get(owner);
      boolean live = "open".equals(r.stateAsString()) || "active".equals(r.stateAsString());
      if (live && (s == null || PoolRecord.DESTROYED.equals(s))) {
        orphanRequests.add(r.spotInstanceRequestId());
      }
    }
    if (!orphanRequests.isEmpty()) {
      instances.cancelSpotRequests(orphanRequests);
      t.cancelled.addAll(orphanRequests);
      t.reasons.add(
          "spot requests "
              + orphanRequests
              + " carry "
              + PoolConfig.OWNERSHIP_TAG
              + " of no pool: cancelled (orphans)");
    }
    Map<String, List<String>> orphans = new LinkedHashMap<>();
    for (Instance i : tagged) {
      String owner = PoolInstances.poolOf(i);
      String s = status.get(owner);
      boolean live =
          !"shutting-down".equals(i.state().nameAsString())
              && !"terminated".equals(i.state().nameAsString());
      if (live && (s == null || PoolRecord.DESTROYED.equals(s))) {
        orphans.computeIfAbsent(owner, k -> new ArrayList<>()).add(i.instanceId());
      }
    }
    orphans.forEach(
        (owner, ids) -> {
          Instant expires = t.now.plus(PoolWorkDispatcher.MARK_LIFETIME);
          ids.forEach(id -> store.markTerminated(owner, id, "orphan", expires));
          instances.terminate(ids);
          t.terminated.addAll(ids);
          t.reasons.add(
              ids
                  + " carry "
                  + PoolConfig.OWNERSHIP_TAG
                  + "="
                  + owner
                  + " but no pool "
                  + owner
                  + " exists: terminated (orphans)");
        });
  }

  /** DESTROYING: terminate all, cancel all; once none is left, remove the resources. */
  private String destroy(Tick t, PoolRecord record, List<Instance> all) {
    List<String> live = new ArrayList<>();
    int going = 0;
    for (Instance i : all) {
      String s = i.state().nameAsString();
      if ("terminated".equals(s)) {
        continue;
      }
      if ("shutting-down".equals(s)) {
        going++;
      } else {
        live.add(i.instanceId());
      }
    }
    if (!live.isEmpty()) {
      terminate(t, live, "destroy");
      t.reasons.add("pool is being destroyed: terminated " + live);
    }
    List<String> requests = new ArrayList<>();
    for (SpotInstanceRequest r : instances.spotRequests(t.pool)) {
      if ("open".equals(r.stateAsString()) || "active".equals(r.stateAsString())) {
        requests.add(r.spotInstanceRequestId());
      }
    }
    if (!requests.isEmpty()) {
      instances.cancelSpotRequests(requests);
      t.cancelled.addAll(requests);
    }
    if (!live.isEmpty() || going > 0) {
      t.reasons.add(
          "waiting for "
              + (live.size() + going)
              + " instance(s) to terminate before removing the pool's resources");
      return PoolRecord.DESTROYING;
    }
    resources.remove(t.pool);
    store.forgetInstances(t.pool);
    store.write(
        new PoolRecord(
            record.name(),
            record.config(),
            record.configYaml(),
            PoolRecord.DESTROYED,
            null,
            null,
            null,
            0,
            record.createdAt(),
            null),
        record.version());
    t.reasons.add("no instance is left: work queue, schedule, instance profile and role removed");
    return PoolRecord.DESTROYED;
  }
}
