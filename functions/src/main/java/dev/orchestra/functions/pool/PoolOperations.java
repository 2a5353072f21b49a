package dev.orchestra.functions.pool;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.run.TimeSettings;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ConfigWriter;
import dev.orchestra.shared.config.Parsed;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.AgentReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * What the API and the CLI's local path do with pools: create (record, work queue, instance role
 * and profile under /orchestra/, the scaling schedule), update, destroy (the scaling tick
 * terminates the instances, then removes the resources), status and list. Every call is idempotent:
 * a create repeated after a crash half-way finds what the first one made and finishes the job.
 */
public class PoolOperations {
  private static final Logger LOG = LoggerFactory.getLogger(PoolOperations.class);

  private final OrchestraConfig config;
  private final AwsClients aws;
  private final PoolStore store;

  public PoolOperations(OrchestraConfig config, AwsClients aws) {
    this.config = config;
    this.aws = aws;
    this.store = new PoolStore(aws::dynamo, config.require(EnvVars.POOL_TABLE));
  }

  /** One instance of a pool, as status shows it. */
  public record InstanceView(
      String id,
      String instanceType,
      String capacity,
      String state,
      boolean busy,
      String workload,
      Instant launchedAt,
      Instant idleSince) {}

  /**
   * A pool's status: the record, its live instances, the runs waiting on its work queue and the
   * reasons of the last scaling decision.
   */
  public record Status(
      PoolRecord pool, List<InstanceView> instances, int pendingRuns, List<String> lastDecision) {}

  public PoolStore store() {
    return store;
  }

  /** Parses and validates pool.yml; a file with findings is refused, with them. */
  public static PoolConfig parse(String fileName, String text) {
    Parsed<PoolConfig> p = ConfigParser.parsePool(fileName, text);
    if (!p.findings().isEmpty()) {
      throw new PoolRequestException(
          fileName + " has " + p.findings().size() + " problem(s); nothing was done", p.findings());
    }
    return p.value();
  }

  /** The validated pool written back as pool.yml (parsing it gives the same model). */
  public static String configYaml(PoolConfig p) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode t = f.objectNode();
    t.put("pool_name", p.poolName());
    ArrayNode types = t.putArray("instance_types");
    p.instanceTypes().forEach(types::add);
    t.put("spot", p.spot());
    if (p.spot()) {
      t.put("on_demand_fallback", p.onDemandFallback());
    }
    t.put("max_instances", p.maxInstances());
    t.put("idle_timeout_minutes", p.idleTimeoutMinutes());
    if (p.ami() != null) {
      t.put("ami", p.ami());
    } else {
      ObjectNode d = t.putObject("ami_discovery");
      d.put("owner", p.amiDiscovery().owner());
      d.put("name", p.amiDiscovery().name());
      d.put("architecture", p.amiDiscovery().architecture());
    }
    t.put("volume_type", p.volumeType());
    t.put("volume_size", p.volumeSizeGib());
    if (!p.subnets().isEmpty()) {
      ArrayNode s = t.putArray("subnets");
      p.subnets().forEach(s::add);
    }
    if (p.securityGroup() != null) {
      t.put("security_group", p.securityGroup());
    }
    if (!p.setupCmds().isEmpty()) {
      ArrayNode s = t.putArray("setup_cmds");
      p.setupCmds().forEach(s::add);
    }
    return ConfigWriter.toYaml(t);
  }

  /** The pool's resources (queue, role, profile, schedule) as this deployment names them. */
  public PoolResources resources() {
    return new PoolResources(aws::sqs, aws::iam, aws::events, resourceSettings(config));
  }

  static PoolResources.Settings resourceSettings(OrchestraConfig config) {
    return new PoolResources.Settings(
        config.get(EnvVars.AWS_REGION).orElse("us-east-1"),
        config.require(EnvVars.RESULTS_QUEUE_URL),
        config.require(EnvVars.BUCKET),
        config.get(EnvVars.PERMISSIONS_BOUNDARY_ARN).orElse(null),
        config.get(EnvVars.POOL_TICK_FUNCTION_ARN).orElse(null),
        TimeSettings.from(config).scale());
  }

  /**
   * Creates the pool (or, for the same name and configuration, answers with the existing one). A
   * different configuration under an existing name is refused: use update.
   */
  public PoolRecord create(PoolConfig pool) {
    String name = pool.poolName();
    for (int tries = 0; ; tries++) {
      PoolRecord existing = store.get(name).orElse(null);
      try {
        PoolRecord creating;
        if (existing == null || PoolRecord.DESTROYED.equals(existing.status())) {
          creating =
              store.write(
                  new PoolRecord(
                      name,
                      pool,
                      configYaml(pool),
                      PoolRecord.CREATING,
                      null,
                      null,
                      null,
                      0,
                      Instant.now(),
                      null),
                  existing == null ? 0 : existing.version());
        } else if (!pool.equals(existing.config())) {
          throw new PoolRequestException(
              "pool "
                  + name
                  + " exists with another configuration; use `orchestra pool update` to change it"
                  + " (or destroy it and create it again)");
        } else if (PoolRecord.READY.equals(existing.status())) {
          return existing;
        } else if (PoolRecord.DESTROYING.equals(existing.status())) {
          throw new PoolRequestException(
              "pool "
                  + name
                  + " is being destroyed; create it again once `orchestra pool status "
                  + name
                  + "` says DESTROYED");
        } else {
          creating = existing; // CREATING (a create that stopped half-way) or FAILED: finish it
        }
        PoolResources.Made made;
        try {
          made = resources().ensure(pool);
        } catch (RuntimeException e) {
          failed(creating, e);
          throw e;
        }
        PoolRecord ready =
            store.write(
                new PoolRecord(
                    name,
                    pool,
                    configYaml(pool),
                    PoolRecord.READY,
                    made.workQueueUrl(),
                    made.instanceProfileArn(),
                    null,
                    0,
                    creating.createdAt(),
                    null),
                creating.version());
        LOG.info("pool {} is ready: work queue {}", name, made.workQueueUrl());
        return ready;
      } catch (PoolStore.ConcurrentChangeException raced) {
        if (tries >= 3) {
          throw raced;
        }
      }
    }
  }

  /** Notes on the record why making the resources failed (a repeated create finishes the job). */
  private void failed(PoolRecord creating, RuntimeException e) {
    try {
      store.write(
          new PoolRecord(
              creating.name(),
              creating.config(),
              creating.configYaml(),
              PoolRecord.FAILED,
              null,
              null,
              "making the pool's resources failed ("
                  + e.getClass().getSimpleName()
                  + ": "
                  + e.getMessage()
                  + "); fix that and repeat `orchestra pool create` with the same pool.yml",
              0,
              creating.createdAt(),
              null),
          creating.version());
    } catch (RuntimeException notNoted) {
      LOG.warn("pool {}: could not record the failure: {}", creating.name(), notNoted.toString());
    }
  }

  /** Replaces the pool's configuration; running instances keep running, new ones follow it. */
  public PoolRecord update(String name, PoolConfig pool) {
    if (name != null && !name.equals(pool.poolName())) {
      throw new PoolRequestException(
          "the file names pool "
              + pool.poolName()
              + ", not "
              + name
              + "; update a pool with its own pool.yml");
    }
    PoolRecord r = record(pool.poolName());
    if (!PoolRecord.READY.equals(r.status()) && !PoolRecord.FAILED.equals(r.status())) {
      throw new PoolRequestException(
          "pool "
              + r.name()
              + " is "
              + r.status()
              + "; only a READY pool can be updated"
              + (PoolRecord.CREATING.equals(r.status())
                  ? " (repeat `orchestra pool create` with its file to finish creating it)"
                  : ""));
    }
    if (pool.equals(r.config()) && PoolRecord.READY.equals(r.status())) {
      return r;
    }
    PoolResources.Made made = resources().ensure(pool);
    return store.write(
        new PoolRecord(
            r.name(),
            pool,
            configYaml(pool),
            PoolRecord.READY,
            made.workQueueUrl(),
            made.instanceProfileArn(),
            null,
            0,
            r.createdAt(),
            null),
        r.version());
  }

  /**
   * Marks the pool DESTROYING; the scaling tick terminates its instances, cancels its spot requests
   * and then deletes the queue, profile, role and schedule (DESTROYED). Repeating it is harmless; a
   * destroyed pool answers as such.
   */
  public PoolRecord destroy(String name) {
    for (int tries = 0; ; tries++) {
      PoolRecord r = record(name);
      if (PoolRecord.DESTROYING.equals(r.status()) || PoolRecord.DESTROYED.equals(r.status())) {
        return r;
      }
      try {
        PoolRecord marked =
            store.write(
                new PoolRecord(
                    r.name(),
                    r.config(),
                    r.configYaml(),
                    PoolRecord.DESTROYING,
                    r.workQueueUrl(),
                    r.instanceProfileArn(),
                    "the scaling tick terminates the instances, then removes the resources",
                    0,
                    r.createdAt(),
                    null),
                r.version());
        LOG.info("pool {} is being destroyed", name);
        return marked;
      } catch (PoolStore.ConcurrentChangeException raced) {
        if (tries >= 3) {
          throw raced;
        }
      }
    }
  }

  /** The pool's record, or {@link UnknownPoolException}. */
  public PoolRecord record(String name) {
    return store.get(name).orElseThrow(() -> new UnknownPoolException(name));
  }

  /** Every pool that is not DESTROYED, by name. */
  public List<PoolRecord> list() {
    return store.list().stream().filter(p -> !PoolRecord.DESTROYED.equals(p.status())).toList();
  }

  /** The pool's status, with its live instances (DescribeInstances by the ownership tag). */
  public Status status(String name) {
    PoolStore.Snapshot snap = store.snapshot(name);
    PoolStore.Stored stored = snap.pool().orElseThrow(() -> new UnknownPoolException(name));
    List<InstanceView> views = new ArrayList<>();
    if (!PoolRecord.DESTROYED.equals(stored.record().status())) {
      for (Instance i : new PoolInstances(aws::ec2).of(name, PoolInstances.LIVE_STATES)) {
        views.add(view(i, snap.agents().get(i.instanceId())));
      }
    }
    return new Status(stored.record(), views, pendingRuns(stored.record()), stored.lastDecision());
  }

  private static InstanceView view(Instance i, AgentReport a) {
    boolean busy = a != null && a.busy();
    return new InstanceView(
        i.instanceId(),
        i.instanceTypeAsString(),
        PoolInstances.spot(i) ? "spot" : "on-demand",
        i.state().nameAsString(),
        busy,
        busy ? a.runId() + " attempt " + a.attempt() : null,
        i.launchTime(),
        a != null && !a.busy() ? Instant.ofEpochSecond(a.since()) : null);
  }

  /** Runs waiting on the work queue (SQS's approximate count); 0 without a queue. */
  int pendingRuns(PoolRecord r) {
    if (r.workQueueUrl() == null) {
      return 0;
    }
    try {
      Map<QueueAttributeName, String> a =
          aws.sqs()
              .getQueueAttributes(
                  b ->
                      b.queueUrl(r.workQueueUrl())
                          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
              .attributes();
      return Integer.parseInt(
          a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"));
    } catch (QueueDoesNotExistException gone) {
      return 0;
    }
  }
}
