package dev.orchestra.local.reliability;

import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.local.router.FaultInjector;
import dev.orchestra.local.router.Router;
import dev.orchestra.local.router.RouterRequest;
import dev.orchestra.shared.experiment.RunStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sees every DynamoDB write that goes through the router and, right after each one that touches an
 * audited experiment, reads the experiment and its runs back and checks the invariants: {@code
 * issued ≤ budget}, {@code running ≤ parallel_bandwidth} (by the counter and by the runs' own
 * statuses), and finished runs never more than issued ones.
 */
final class StoreAuditor implements AutoCloseable {
  private static final Set<String> WRITES =
      Set.of("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem");

  private final Router router;
  private final DynamoDbExperimentStore store;
  private final Pattern ids;
  private final Consumer<RouterRequest> observer = this::onRequest;
  final List<String> violations = new CopyOnWriteArrayList<>();
  final AtomicInteger audits = new AtomicInteger();
  final AtomicInteger maxRunning = new AtomicInteger();

  /**
   * @param idPrefix the slug of the audited experiments' names (their ids are {@code slug-<8 hex>})
   */
  StoreAuditor(Router router, DynamoDbExperimentStore store, String idPrefix) {
    this.router = router;
    this.store = store;
    this.ids = Pattern.compile(Pattern.quote(idPrefix) + "-[0-9a-f]{8}");
    router.observe(observer);
  }

  private void onRequest(RouterRequest r) {
    if (!"dynamodb".equals(r.service().orElse(""))
        || !WRITES.contains(FaultInjector.operation(r))) {
      return;
    }
    Matcher m = ids.matcher(new String(r.body(), StandardCharsets.UTF_8));
    if (!m.find()) {
      return;
    }
    String id = m.group();
    ExperimentRecord e = store.experiment(id).orElse(null);
    if (e == null) {
      return;
    }
    audits.incrementAndGet();
    int budget = e.plan().budget();
    int bandwidth = e.plan().parallelBandwidth();
    long runningRuns =
        store.runs(id).stream().filter(run -> run.status() == RunStatus.RUNNING).count();
    maxRunning.accumulateAndGet((int) Math.max(e.running(), runningRuns), Math::max);
    if (e.issued() > budget) {
      violations.add(id + ": issued " + e.issued() + " > budget " + budget);
    }
    if (e.running() > bandwidth) {
      violations.add(id + ": running counter " + e.running() + " > bandwidth " + bandwidth);
    }
    if (runningRuns > bandwidth) {
      violations.add(id + ": " + runningRuns + " runs running > bandwidth " + bandwidth);
    }
    if (e.succeeded() + e.failed() > e.issued()) {
      violations.add(id + ": finished " + (e.succeeded() + e.failed()) + " > issued " + e.issued());
    }
  }

  @Override
  public void close() {
    router.stopObserving(observer);
  }
}
