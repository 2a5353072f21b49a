package dev.orchestra.functions.pool;

import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.pool.PoolWorkItem;
import dev.orchestra.shared.run.DispatchFailedException;
import dev.orchestra.shared.run.Workload;
import dev.orchestra.shared.run.WorkloadDispatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The Dispatch port's adapter for {@code pool/<name>}: a run attempt becomes one {@link
 * PoolWorkItem} on the pool's work queue, which the first idle agent takes. Release terminates the
 * instance an agent reported busy with that attempt, unless the attempt's result is in already (a
 * still-queued item is harmless: the agent that takes it runs it, and its result is refused by the
 * attempt and nonce check).
 */
public final class PoolWorkDispatcher implements WorkloadDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(PoolWorkDispatcher.class);

  /** How long a terminated mark is kept (a terminated instance is listed for about an hour). */
  static final Duration MARK_LIFETIME = Duration.ofDays(1);

  /** A dispatch claimed but not sent for this long: its claimer died, a repeat sends it. */
  static final Duration CLAIM_STALE = Duration.ofSeconds(30);

  private final String pool;
  private final PoolStore store;
  private final Supplier<SqsClient> sqs;
  private final PoolInstances instances;
  private final BiPredicate<String, Integer> carried;

  /**
   * @param carried whether a run attempt's carrier has delivered its result already (its agent has
   *     finished it, and may be running the next run by now: release must not terminate it)
   */
  public PoolWorkDispatcher(
      String pool,
      PoolStore store,
      Supplier<SqsClient> sqs,
      PoolInstances instances,
      BiPredicate<String, Integer> carried) {
    this.pool = pool;
    this.store = store;
    this.sqs = sqs;
    this.instances = instances;
    this.carried = carried;
  }

  @Override
  public void dispatch(Workload workload) {
    PoolRecord r =
        store
            .get(pool)
            .orElseThrow(
                () ->
                    new DispatchFailedException(
                        "no pool named "
                            + pool
                            + "; create it with `orchestra pool create pool.yml` or change pool:"
                            + " in experiment.yml"));
    if (!PoolRecord.READY.equals(r.status())) {
      throw new DispatchFailedException(
          "pool "
              + pool
              + " is "
              + r.status()
              + ", not READY"
              + (PoolRecord.CREATING.equals(r.status()) || PoolRecord.FAILED.equals(r.status())
                  ? "; repeat `orchestra pool create` with its pool.yml to finish it"
                  : "; create it again or run the experiment on another pool or cluster"));
    }
    String item = PoolWorkItem.encode(workload);
    Instant now = Instant.now();
    if (!store.claimDispatch(
        pool,
        workload.runId(),
        workload.attempt(),
        now,
        now.minus(CLAIM_STALE),
        now.plus(MARK_LIFETIME))) {
      LOG.info(
          "run {} attempt {} is already queued on pool {}",
          workload.runId(),
          workload.attempt(),
          pool);
      return;
    }
    try {
      sqs.get().sendMessage(b -> b.queueUrl(r.workQueueUrl()).messageBody(item));
    } catch (RuntimeException e) {
      store.forgetDispatch(pool, workload.runId(), workload.attempt());
      throw e;
    }
    store.markDispatched(pool, workload.runId(), workload.attempt());
    LOG.info("run {} attempt {} queued on pool {}", workload.runId(), workload.attempt(), pool);
  }

  @Override
  public void release(String runId, int attempt) {
    List<String> carrying = new ArrayList<>();
    for (AgentReport a : store.agents(pool).values()) {
      if (a.busy() && runId.equals(a.runId()) && a.attempt() == attempt) {
        carrying.add(a.instanceId());
      }
    }
    if (carrying.isEmpty()) {
      return;
    }
    if (carried.test(runId, attempt)) {
      // Its result is in: the agent is done with it (its idle report may still be on the way).
      return;
    }
    // Only ids a Describe by the ownership tag returns are terminated.
    List<String> tagged =
        instances.of(pool, PoolInstances.LIVE_STATES).stream()
            .map(Instance::instanceId)
            .filter(carrying::contains)
            .toList();
    for (String id : tagged) {
      store.markTerminated(pool, id, "released", Instant.now().plus(MARK_LIFETIME));
    }
    instances.terminate(tagged);
    LOG.info("run {} attempt {} released: terminated {}", runId, attempt, tagged);
  }
}
