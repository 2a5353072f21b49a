package dev.orchestra.local.pool;

import dev.orchestra.functions.carrier.RunCarrier;
import dev.orchestra.local.node.CarriedAttempts;
import dev.orchestra.shared.config.PoolConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The local EC2 pools' machines: moto records the instances the scaling tick launches, and this
 * treats every pending or running instance tagged {@code orchestra:pool} as a machine. Each poll
 * (every {@link #POLL}) lists them through the router; a new one whose user data is a pool agent's
 * gets a {@link LocalAgent} started from that user data's settings; a known one no longer running
 * (terminated by the tick, the dispatcher's release, a test's spot interruption, or itself) has its
 * agent killed at once. Untagged instances are never looked at.
 *
 * <p>A restarted runtime re-attaches: the tagged instances still running in moto get fresh agents,
 * and the attempts the previous runtime's agents carried are reported lost from the ledger (their
 * processes died with it), so the control plane retries them.
 */
public final class LocalMachines implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalMachines.class);

  /** How often the instances are listed. */
  public static final Duration POLL = Duration.ofMillis(500);

  /** The ledger's folder under the state folder. */
  public static final String LEDGER_DIR = "pool-attempts";

  private final Ec2Client ec2;
  private final SqsClient sqs;
  private final CarriedAttempts attempts;
  private final Path defaultWorkdir;
  private final Map<String, LocalAgent> agents = new ConcurrentHashMap<>();

  /** Every agent this runtime started, gone ones included (what ran where). */
  private final Map<String, LocalAgent> history = new ConcurrentHashMap<>();

  /** Tagged instances whose user data is not a pool agent's: nothing to run (logged once). */
  private final Set<String> notAgents = ConcurrentHashMap.newKeySet();

  private final ScheduledExecutorService poller;

  public LocalMachines(
      Ec2Client ec2, SqsClient sqs, RunCarrier carrier, Path defaultWorkdir, Path stateDir) {
    this.ec2 = ec2;
    this.sqs = sqs;
    this.attempts = new CarriedAttempts(carrier, stateDir.resolve(LEDGER_DIR));
    this.defaultWorkdir = defaultWorkdir;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "local-machines");
              t.setDaemon(true);
              return t;
            });
  }

  /** Reports the previous runtime's attempts lost, then polls the instances. */
  public LocalMachines start() {
    attempts.recoverLeftovers();
    poller.scheduleWithFixedDelay(this::pollQuietly, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** The results queues {@link #start()} reported lost attempts to. */
  public Set<String> lostReportedTo() {
    return attempts.lostReportedTo();
  }

  /** Instance id → pool of the agents running now. */
  public Map<String, String> agents() {
    Map<String, String> out = new HashMap<>();
    agents.forEach(
        (id, agent) -> {
          if (agent.alive()) {
            out.put(id, agent.pool());
          }
        });
    return out;
  }

  /**
   * Instance id → the run attempts ({@code <run id>-a<attempt>}) its agent carried, for every
   * instance that had an agent in this runtime, terminated ones included.
   */
  public Map<String, List<String>> carried() {
    Map<String, List<String>> out = new HashMap<>();
    history.forEach((id, agent) -> out.put(id, agent.carried()));
    return out;
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.warn("could not list the pools' instances: {}", e.toString());
    }
  }

  /** One look at the tagged instances: start agents for new ones, kill those of vanished ones. */
  synchronized void poll() {
    Set<String> live = new HashSet<>();
    List<Reservation> reservations =
        ec2
            .describeInstancesPaginator(
                b ->
                    b.filters(
                        Filter.builder().name("tag-key").values(PoolConfig.OWNERSHIP_TAG).build(),
                        Filter.builder()
                            .name("instance-state-name")
                            .values("pending", "running")
                            .build()))
            .reservations()
            .stream()
            .toList();
    for (Reservation reservation : reservations) {
      for (Instance instance : reservation.instances()) {
        live.add(instance.instanceId());
        if (!agents.containsKey(instance.instanceId())
            && !notAgents.contains(instance.instanceId())) {
          attach(instance);
        }
      }
    }
    for (Map.Entry<String, LocalAgent> e : agents.entrySet()) {
      if (!live.contains(e.getKey())) {
        agents.remove(e.getKey());
        e.getValue().kill();
        LOG.info("instance {} of pool {} is gone", e.getKey(), e.getValue().pool());
      }
    }
    notAgents.retainAll(live);
  }

  private void attach(Instance instance) {
    String id = instance.instanceId();
    String userData =
        ec2.describeInstanceAttribute(
                b -> b.instanceId(id).attribute(InstanceAttributeName.USER_DATA))
            .userData()
            .value();
    Optional<Map<String, String>> env = AgentUserData.settings(userData);
    LocalAgent.Settings settings;
    try {
      settings = LocalAgent.Settings.of(env.orElseThrow());
    } catch (RuntimeException notAnAgent) {
      LOG.info(
          "instance {} carries {} but its user data starts no pool agent: left alone",
          id,
          PoolConfig.OWNERSHIP_TAG);
      notAgents.add(id);
      return;
    }
    LocalAgent agent = new LocalAgent(id, settings, sqs, ec2, attempts, defaultWorkdir);
    agents.put(id, agent);
    history.put(id, agent);
    agent.start();
  }

  /**
   * Stops polling and every agent: their processes die (their attempts stay in the ledger, for the
   * next runtime to report lost); the instances live on in moto.
   */
  @Override
  public synchronized void close() {
    attempts.close();
    poller.shutdownNow();
    agents.values().forEach(LocalAgent::stop);
    agents.clear();
  }
}
