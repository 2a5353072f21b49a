package dev.orchestra.functions.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.store.DynamoDbExperimentStore.FinishResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.IssueResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Partition;
import dev.orchestra.functions.store.DynamoDbExperimentStore.SuggestResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Suggestion;
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
  void experimentAndRun_readsTheExperimentAndThatRunOnly_asThePartitionHasThem() {
    ExperimentRecord e = newExperiment(3, 3, 1);
    for (int n = 1; n <= 3; n++) {
      store.issueRun(e.id(), ExperimentIds.runId(e.id(), n), n);
    }
    String second = ExperimentIds.runId(e.id(), 2);
    store.startAttempt(e.id(), second, 1, "nonce-2", "token-2");

    DynamoDbExperimentStore.Partition two = store.experimentAndRun(e.id(), second).orElseThrow();
    DynamoDbExperimentStore.Partition all = store.partition(e.id()).orElseThrow();

    assertThat(two.runs()).hasSize(1);
    assertThat(two.run(second)).isEqualTo(all.run(second));
    assertThat(two.experiment()).isEqualTo(all.experiment());
    assertThat(two.experiment().issued()).isEqualTo(3);
    assertThat(store.experimentAndRun(e.id(), ExperimentIds.runId(e.id(), 9)).orElseThrow().runs())
        .as("a run that does not exist")
        .isEmpty();
    assertThat(store.experimentAndRun("no-such-experiment", second)).isEmpty();
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

  @Test
  void issueSeeds_issuesEveryFirstRunWithItsAssignments_once() {
    ExperimentRecord e = newExperiment(5, 2, 2);
    String r1 = ExperimentIds.runId(e.id(), 1);
    String r2 = ExperimentIds.runId(e.id(), 2);
    List<Map.Entry<String, Map<String, Object>>> seeds =
        List.of(Map.entry(r1, Map.of("x", 0.1)), Map.entry(r2, Map.of("x", 0.2)));
    assertThat(store.issueSeeds(e.id(), seeds, 0, "{}", null)).isEqualTo(IssueResult.ISSUED);
    assertThat(store.issueSeeds(e.id(), seeds, 1, "{}", null))
        .as("a repeat finds runs issued")
        .isEqualTo(IssueResult.REFUSED);
    Partition after = store.partition(e.id()).orElseThrow();
    assertThat(after.experiment().issued()).isEqualTo(2);
    assertThat(after.experiment().running()).isEqualTo(2);
    assertThat(after.experiment().optimizerVersion()).isEqualTo(1);
    assertThat(after.run(r2).orElseThrow().assignments()).containsEntry("x", 0.2);
    assertThat(after.run(r2).orElseThrow().status()).isEqualTo(RunStatus.PENDING);

    ExperimentRecord small = newExperiment(1, 1, 1);
    assertThat(
            store.issueSeeds(
                small.id(),
                List.of(
                    Map.entry(ExperimentIds.runId(small.id(), 1), Map.of("x", 0.1)),
                    Map.entry(ExperimentIds.runId(small.id(), 2), Map.of("x", 0.2))),
                0,
                "{}",
                null))
        .as("two seeds exceed bandwidth 1")
        .isEqualTo(IssueResult.REFUSED);
    assertThat(store.partition(small.id()).orElseThrow().runs()).isEmpty();
  }

  @Test
  void finishRun_withSuggestion_issuesTheNextRunWithItsAssignments_onlyFromThatVersion() {
    ExperimentRecord e = newExperiment(3, 1, 1);
    String r1 = ExperimentIds.runId(e.id(), 1);
    String r2 = ExperimentIds.runId(e.id(), 2);
    Suggestion first = new Suggestion(Map.of("x", 0.25), 0, "{\"s\":1}", null);
    assertThat(store.issueRun(e.id(), r1, 1, first)).isEqualTo(IssueResult.ISSUED);
    Outcome ok = new Outcome(RunStatus.SUCCEEDED, Map.of("value", 1.0), null, 0, null, List.of());
    Partition read = store.partition(e.id()).orElseThrow();
    assertThat(read.experiment().optimizerVersion()).isEqualTo(1);
    assertThat(read.run(r1).orElseThrow().assignments()).containsEntry("x", 0.25);

    Suggestion stale = new Suggestion(Map.of("x", 0.5), 0, "{}", null);
    assertThat(store.finishRun(read.experiment(), r1, 1, ok, r2, stale))
        .as("the optimizer version moved since the suggestion was made")
        .isEqualTo(FinishResult.CONFLICT);
    assertThat(store.run(e.id(), r1).orElseThrow().status()).isEqualTo(RunStatus.PENDING);

    Suggestion next = new Suggestion(Map.of("x", 0.75), 1, "{\"s\":2}", null);
    assertThat(store.finishRun(read.experiment(), r1, 1, ok, r2, next))
        .isEqualTo(FinishResult.FINISHED);
    Partition after = store.partition(e.id()).orElseThrow();
    assertThat(after.experiment().optimizerVersion()).isEqualTo(2);
    assertThat(after.experiment().optimizerState()).isEqualTo("{\"s\":2}");
    assertThat(after.experiment().issued()).isEqualTo(2);
    assertThat(after.experiment().running()).isEqualTo(1);
    assertThat(after.run(r2).orElseThrow().assignments()).containsEntry("x", 0.75);
    assertThat(after.runs()).hasSize(2);
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
