package dev.orchestra.shared.pool;

import dev.orchestra.shared.config.PoolConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The scaling and reaping decision of one pool, as a pure function of what the scheduled workflow
 * observed: the runs waiting on the pool's work queue, the pool's instances (only those carrying
 * the ownership tag) and spot requests, and the recent InsufficientInstanceCapacity refusals.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>Stopped instances are terminated (they never take work and their volume keeps costing).
 *   <li>An instance whose agent has not reported within the boot timeout of its launch is broken
 *       (bad AMI, failing setup_cmds) and is terminated.
 *   <li>Idle instances take pending runs first (the most recently idle, still warm, are kept);
 *       booting instances and open spot requests cover the rest. An idle instance not needed is
 *       terminated once idle for the pool's idle timeout (the agent shuts itself down then too;
 *       this is the backstop), or at once while the pool is above {@code max_instances}.
 *   <li>Open spot requests beyond what the pending runs need are cancelled, and so is the request
 *       of every spot instance being terminated.
 *   <li>The runs still uncovered get new instances, within {@code max_instances}, all of the first
 *       type of the fallback order not refused capacity within the cooldown: with {@code spot},
 *       every listed type as spot first, then (with {@code on_demand_fallback}) every type on
 *       demand; without it, every type on demand.
 * </ol>
 *
 * Busy instances are never touched. The caller applies the decision and records the refusals the
 * launch meets, so the next decision walks on to the next type.
 */
public final class PoolScaler {
  private PoolScaler() {}

  /** On-demand or spot capacity. */
  public enum Capacity {
    SPOT,
    ON_DEMAND
  }

  /** EC2 instance states (lower-case in the API: pending, running, ...). */
  public enum State {
    PENDING,
    RUNNING,
    SHUTTING_DOWN,
    TERMINATED,
    STOPPING,
    STOPPED
  }

  /**
   * One instance of the pool.
   *
   * @param busy the agent is running a run
   * @param idleSince when the agent last became idle (finished a run, or started polling); null
   *     while busy or before the agent has reported at all (booting)
   * @param spotRequestId the spot request that made it, or null for on demand
   */
  public record Instance(
      String id,
      String instanceType,
      Capacity capacity,
      State state,
      boolean busy,
      Instant idleSince,
      Instant launchedAt,
      String spotRequestId) {}

  /**
   * One spot instance request of the pool.
   *
   * @param state open, active, closed, cancelled or failed (EC2's words)
   * @param instanceId the instance that fulfilled it, or null
   */
  public record SpotRequest(String id, String instanceType, String state, String instanceId) {
    boolean unfulfilled() {
      return "open".equals(state) && instanceId == null;
    }

    boolean live() {
      return "open".equals(state) || "active".equals(state);
    }
  }

  /** EC2 refused to launch this type with this capacity (InsufficientInstanceCapacity). */
  public record Refusal(String instanceType, Capacity capacity, Instant at) {}

  /** Launch {@code count} instances of one type. */
  public record Launch(String instanceType, Capacity capacity, int count) {}

  /**
   * What one scaling tick observed.
   *
   * @param pendingRuns runs waiting on the pool's work queue (not yet taken by an agent)
   * @param idleTimeout the pool's idle timeout, already scaled by the time scale
   * @param bootTimeout how long an agent may take to report after launch
   * @param refusalCooldown how long a refused type/capacity is skipped
   */
  public record Observation(
      PoolConfig pool,
      int pendingRuns,
      List<Instance> instances,
      List<SpotRequest> spotRequests,
      List<Refusal> refusals,
      Instant now,
      Duration idleTimeout,
      Duration bootTimeout,
      Duration refusalCooldown) {
    public Observation {
      instances = List.copyOf(instances);
      spotRequests = List.copyOf(spotRequests);
      refusals = List.copyOf(refusals);
    }
  }

  /**
   * The decision: at most one launch, the instances to terminate and the spot requests to cancel,
   * with a reason for each part (for logs and the pool's status).
   */
  public record Decision(
      Launch launch,
      List<String> terminate,
      List<String> cancelSpotRequests,
      List<String> reasons) {
    public Decision {
      terminate = List.copyOf(terminate);
      cancelSpotRequests = List.copyOf(cancelSpotRequests);
      reasons = List.copyOf(reasons);
    }

    public boolean nothing() {
      return launch == null && terminate.isEmpty() && cancelSpotRequests.isEmpty();
    }
  }

  public static Decision decide(Observation o) {
    PoolConfig pool = o.pool();
    Instant now = o.now();
    List<String> reasons = new ArrayList<>();
    Set<String> terminate = new LinkedHashSet<>();

    List<Instance> live = new ArrayList<>();
    for (Instance i : o.instances()) {
      if (i.state() == State.STOPPED || i.state() == State.STOPPING) {
        terminate.add(i.id());
        reasons.add(i.id() + " is " + name(i.state()) + ": terminated (it never takes work)");
      } else if (i.state() == State.PENDING || i.state() == State.RUNNING) {
        live.add(i);
      }
    }

    List<Instance> booting = new ArrayList<>();
    List<Instance> idle = new ArrayList<>();
    int busy = 0;
    for (Instance i : live) {
      if (i.busy()) {
        busy++;
      } else if (i.state() == State.PENDING || i.idleSince() == null) {
        if (!now.isBefore(i.launchedAt().plus(o.bootTimeout()))) {
          terminate.add(i.id());
          reasons.add(
              i.id()
                  + " launched at "
                  + i.launchedAt()
                  + " and its agent never reported within "
                  + minutes(o.bootTimeout())
                  + ": terminated as broken (check the AMI and setup_cmds)");
        } else {
          booting.add(i);
        }
      } else {
        idle.add(i);
      }
    }

    // Idle instances take pending runs first: the most recently idle ones are kept.
    idle.sort(Comparator.comparing(Instance::idleSince).reversed());
    int pending = Math.max(0, o.pendingRuns());
    int keptIdle = Math.min(pending, idle.size());
    int remaining = busy + booting.size() + keptIdle;
    for (Instance i : idle.subList(keptIdle, idle.size())) {
      boolean timedOut = !now.isBefore(i.idleSince().plus(o.idleTimeout()));
      if (timedOut) {
        terminate.add(i.id());
        reasons.add(i.id() + " idle since " + i.idleSince() + ": terminated (idle timeout)");
      } else if (remaining >= pool.maxInstances()) {
        terminate.add(i.id());
        reasons.add(
            i.id()
                + " idle while the pool is at max_instances "
                + pool.maxInstances()
                + ": terminated");
      } else {
        remaining++;
      }
    }

    // Spot requests: keep as many unfulfilled ones as the runs not covered by booting instances.
    int uncovered = Math.max(0, pending - keptIdle - booting.size());
    List<String> cancel = new ArrayList<>();
    List<SpotRequest> open = new ArrayList<>();
    for (SpotRequest r : o.spotRequests()) {
      if (r.unfulfilled()) {
        open.add(r);
      }
    }
    int keptOpen = Math.min(uncovered, open.size());
    for (SpotRequest r : open.subList(keptOpen, open.size())) {
      cancel.add(r.id());
      reasons.add("spot request " + r.id() + " is no longer needed: cancelled");
    }
    for (Instance i : o.instances()) {
      if (terminate.contains(i.id()) && i.spotRequestId() != null) {
        for (SpotRequest r : o.spotRequests()) {
          if (r.id().equals(i.spotRequestId()) && r.live() && !cancel.contains(r.id())) {
            cancel.add(r.id());
          }
        }
      }
    }

    // New instances for what is still uncovered, within max_instances.
    int need = uncovered - keptOpen;
    int slots = pool.maxInstances() - remaining - keptOpen;
    Launch launch = null;
    if (need > 0 && slots <= 0) {
      reasons.add(
          need + " pending run(s) wait: the pool is at max_instances " + pool.maxInstances());
    } else if (need > 0) {
      int count = Math.min(need, slots);
      Launch choice = firstOffered(o, count);
      if (choice == null) {
        reasons.add(
            "no instance type can be launched: each was refused capacity in the last "
                + minutes(o.refusalCooldown())
                + (pool.spot() && !pool.onDemandFallback()
                    ? " (spot only; on_demand_fallback: true would try on demand)"
                    : ""));
      } else {
        launch = choice;
        reasons.add(
            "launch "
                + count
                + " "
                + choice.instanceType()
                + (choice.capacity() == Capacity.SPOT ? " spot" : " on demand")
                + " for "
                + need
                + " pending run(s)"
                + (count < need ? " (max_instances " + pool.maxInstances() + ")" : ""));
      }
    }
    return new Decision(launch, new ArrayList<>(terminate), cancel, reasons);
  }

  /** The fallback order of a pool: spot types, then on-demand types if allowed. */
  public static List<Launch> fallbackOrder(PoolConfig pool) {
    List<Launch> out = new ArrayList<>();
    if (pool.spot()) {
      pool.instanceTypes().forEach(t -> out.add(new Launch(t, Capacity.SPOT, 0)));
      if (!pool.onDemandFallback()) {
        return out;
      }
    }
    pool.instanceTypes().forEach(t -> out.add(new Launch(t, Capacity.ON_DEMAND, 0)));
    return out;
  }

  private static Launch firstOffered(Observation o, int count) {
    for (Launch option : fallbackOrder(o.pool())) {
      boolean refused =
          o.refusals().stream()
              .anyMatch(
                  r ->
                      r.instanceType().equals(option.instanceType())
                          && r.capacity() == option.capacity()
                          && o.now().isBefore(r.at().plus(o.refusalCooldown())));
      if (!refused) {
        return new Launch(option.instanceType(), option.capacity(), count);
      }
    }
    return null;
  }

  private static String name(State s) {
    return s.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private static String minutes(Duration d) {
    return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
  }
}
