package dev.orchestra.functions.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.store.DynamoDbExperimentStore.FinishResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.IssueResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.DynamoDbExperimentStore.SuggestResult;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DynamoDbExperimentStoreTest {
  static MotoServer moto;
  static AwsClients aws;
  static DynamoDbExperimentStore store;
  static final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    aws = new AwsClients(moto.config(Map.of()));
    DynamoDbExperimentStore.createTable(aws.dynamo(), "experiments");
    store = new DynamoDbExperimentStore(aws.dynamo(), "experiments");
  }

  @AfterAll
  static void stop() {
    aws.close();
    moto.close();
  }

  static ExperimentRecord newExperiment(int budget, int bandwidth, int maxFailed) {
    ExperimentPlan plan =
        new ExperimentPlan(
            "t",
            SearchType.RANDOM,
            new SearchSpace(
                List.of(),
                List.of(new Metric("value", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null))),
            budget,
            bandwidth,
            maxFailed,
            null,
            "cluster/local",
            null,
            "true",
            Map.of(),
            Map.of(),
            0,
            null,
            1,
            false);
    String id = "exp-" + ids.incrementAndGet();
    ExperimentRecord e = ExperimentRecord.pending(id, plan, "b", null, "now");
    assertThat(store.createExperiment(e)).isTrue();
    assertThat(store.markRunning(id)).isTrue();
    return e;
  }

  @Test
  void createExperiment_twice_storesOne() {
    ExperimentRecord e = newExperiment(2, 1, 1);
    assertThat(store.createExperiment(e)).isFalse();
    assertThat(store.experiment(e.id()).orElseThrow().plan().budget()).isEqualTo(2);
  }

  @Test
  void issueRun_refusesBeyondBandwidthAndBudget_andRepeatsAreHarmless() {
    ExperimentRecord e = newExperiment(3, 2, 2);
    assertThat(store.issueRun(e.id(), ExperimentIds.runId(e.id(), 1), 1))
        .isEqualTo(IssueResult.ISSUED);
    assertThat(store.issueRun(e.id(), ExperimentIds.runId(e.id(), 1), 1))
        .isEqualTo(IssueResult.ALREADY_ISSUED);
    assertThat(store.issueRun(e.id(), ExperimentIds.runId(e.id(), 2), 2))
        .isEqualTo(IssueResult.ISSUED);
    assertThat(store.issueRun(e.id(), ExperimentIds.runId(e.id(), 3), 3))
        .as("bandwidth 2 is full")
        .isEqualTo(IssueResult.REFUSED);
    ExperimentRecord now = store.experiment(e.id()).orElseThrow();
    assertThat(now.issued()).isEqualTo(2);
    assertThat(now.running()).isEqualTo(2);
  }

  @Test
  void startAttempt_twice_keepsTheFirstNonce_andTakesTheLatestToken() {
    ExperimentRecord e = newExperiment(1, 1, 1);
    String run = ExperimentIds.runId(e.id(), 1);
    store.issueRun(e.id(), run, 1);
    RunRecord first = store.startAttempt(e.id(), run, 1, "nonce-a", "token-a").orElseThrow();
    RunRecord again = store.startAttempt(e.id(), run, 1, "nonce-b", "token-b").orElseThrow();
    assertThat(first.nonce()).isEqualTo("nonce-a");
    assertThat(again.nonce())
        .as("a repeated Dispatch must reuse the Job's nonce")
        .isEqualTo("nonce-a");
    assertThat(again.token()).isEqualTo("token-b");
    assertThat(store.startAttempt(e.id(), run, 2, "nonce-c", "token-c"))
        .as("an attempt the run is not at")
        .isEmpty();
  }

  @Test
  void finishRun_recordsOneObservation_evenWhenRepeated() {
    ExperimentRecord e = newExperiment(1, 1, 1);
    String run = ExperimentIds.runId(e.id(), 1);
    store.issueRun(e.id(), run, 1);
    Outcome ok = new Outcome(RunStatus.SUCCEEDED, Map.of("value", 1.5), null, 0, "tail", List.of());
    ExperimentRecord read = store.experiment(e.id()).orElseThrow();
    assertThat(store.finishRun(read, run, 1, ok, null)).isEqualTo(FinishResult.FINISHED);
    assertThat(store.finishRun(read, run, 1, ok, null)).isEqualTo(FinishResult.ALREADY_FINISHED);
    ExperimentRecord after = store.experiment(e.id()).orElseThrow();
    assertThat(after.succeeded()).isEqualTo(1);
    assertThat(after.running()).isZero();
    assertThat(store.run(e.id(), run).orElseThrow().metrics()).containsEntry("value", 1.5);
  }

  @Test
  void commitSuggestion_secondCommitOnSameVersion_conflicts() {
    ExperimentRecord e = newExperiment(2, 2, 1);
    String r1 = ExperimentIds.runId(e.id(), 1);
    String r2 = ExperimentIds.runId(e.id(), 2);
    store.issueRun(e.id(), r1, 1);
    store.issueRun(e.id(), r2, 2);
    assertThat(store.commitSuggestion(e.id(), r1, Map.of("x", 1.0), 0, "{}", null))
        .isEqualTo(SuggestResult.COMMITTED);
    assertThat(store.commitSuggestion(e.id(), r2, Map.of("x", 2.0), 0, "{}", null))
        .isEqualTo(SuggestResult.CONFLICT);
    assertThat(store.commitSuggestion(e.id(), r1, Map.of("x", 3.0), 1, "{}", null))
        .isEqualTo(SuggestResult.ALREADY_SUGGESTED);
    assertThat(store.experiment(e.id()).orElseThrow().optimizerVersion()).isEqualTo(1);
  }

  /**
   * Eight finishers race to hand their slots on: the transaction keeps running ≤ bandwidth and
   * issued ≤ budget at every commit, and each number is issued once.
   */
  @Test
  void concurrentFinishes_neverExceedBudgetOrBandwidth() throws Exception {
    int budget = 10;
    int bandwidth = 3;
    ExperimentRecord e = newExperiment(budget, bandwidth, budget);
    for (int n = 1; n <= bandwidth; n++) {
      assertThat(store.issueRun(e.id(), ExperimentIds.runId(e.id(), n), n))
          .isEqualTo(IssueResult.ISSUED);
    }
    ExecutorService pool = Executors.newFixedThreadPool(bandwidth);
    List<Integer> runningSeen = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int n = 1; n <= bandwidth; n++) {
        int first = n;
        work.add(
            pool.submit(
                () -> {
                  String run = ExperimentIds.runId(e.id(), first);
                  while (run != null) {
                    String next = null;
                    while (true) {
                      ExperimentRecord r = store.experiment(e.id()).orElseThrow();
                      runningSeen.add(r.running());
                      next =
                          r.issued() < budget ? ExperimentIds.runId(e.id(), r.issued() + 1) : null;
                      FinishResult res =
                          store.finishRun(
                              r,
                              run,
                              1,
                              new Outcome(
                                  RunStatus.SUCCEEDED,
                                  Map.of("value", 1.0),
                                  null,
                                  0,
                                  "",
                                  List.of()),
                              next);
                      if (res != FinishResult.CONFLICT) {
                        break;
                      }
                    }
                    run = next;
                  }
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    ExperimentRecord end = store.experiment(e.id()).orElseThrow();
    assertThat(end.issued()).isEqualTo(budget);
    assertThat(end.succeeded()).isEqualTo(budget);
    assertThat(end.running()).isZero();
    assertThat(runningSeen).allSatisfy(r -> assertThat(r).isBetween(0, bandwidth));
    assertThat(store.runs(e.id())).hasSize(budget).allMatch(r -> r.status() == RunStatus.SUCCEEDED);
  }
}
