package dev.orchestra.shared.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.Errors;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccountingTest {
  static final ExperimentPlan PLAN =
      new ExperimentPlan(
          "p",
          SearchType.RANDOM,
          new SearchSpace(
              List.of(),
              List.of(
                  new Metric("acc", Objective.MAXIMIZE, MetricStrategy.OPTIMIZE, null),
                  new Metric("size", Objective.MINIMIZE, MetricStrategy.CONSTRAINT, 10.0),
                  new Metric("note", Objective.MAXIMIZE, MetricStrategy.STORE, null))),
          12,
          3,
          6,
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

  @Test
  void mayIssue_onlyUnderBudgetBandwidthAndFailureLimit_andNotStopped() {
    assertThat(Accounting.mayIssue(PLAN, new Accounting.Counters(2, 2, 0, 0, false))).isTrue();
    assertThat(Accounting.mayIssue(PLAN, new Accounting.Counters(3, 3, 0, 0, false))).isFalse();
    assertThat(Accounting.mayIssue(PLAN, new Accounting.Counters(12, 0, 12, 0, false))).isFalse();
    assertThat(Accounting.mayIssue(PLAN, new Accounting.Counters(8, 1, 1, 6, false))).isFalse();
    assertThat(Accounting.mayIssue(PLAN, new Accounting.Counters(2, 0, 2, 0, true))).isFalse();
  }

  @Test
  void finalStatus_failedWhenFailuresReachTheLimitOrNothingSucceeded() {
    assertThat(Accounting.finalStatus(PLAN, new Accounting.Counters(12, 0, 11, 1, false)))
        .isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(Accounting.finalStatus(PLAN, new Accounting.Counters(9, 0, 3, 6, false)))
        .isEqualTo(ExperimentStatus.FAILED);
    assertThat(Accounting.finalStatus(PLAN, new Accounting.Counters(4, 0, 2, 0, true)))
        .isEqualTo(ExperimentStatus.STOPPED);
  }

  @Test
  void metricProblem_requiresOptimizedAndConstraintMetrics_finite_storeMayBeAbsent() {
    assertThat(Accounting.metricProblem(PLAN, Map.of("acc", 0.9, "size", 3))).isEmpty();
    assertThat(Accounting.metricProblem(PLAN, Map.of("acc", 0.9)))
        .hasValueSatisfying(r -> assertThat(r).contains("size").contains("missing"));
    assertThat(Accounting.metricProblem(PLAN, Map.of("acc", "NaN", "size", 3)))
        .hasValueSatisfying(r -> assertThat(r).contains("not a finite number"));
    assertThat(Accounting.metricProblem(PLAN, null)).isPresent();
  }

  @Test
  void reasonFor_mapsErrorNamesToDesignReasons() {
    assertThat(Accounting.reasonFor(Errors.STATES_HEARTBEAT_TIMEOUT, null, null))
        .isEqualTo(Reasons.HEARTBEAT_LOST);
    assertThat(Accounting.reasonFor(Errors.STATES_TIMEOUT, null, null)).isEqualTo(Reasons.TIMEOUT);
    assertThat(Accounting.reasonFor(Errors.RUN_FAILED, 3, "x")).isEqualTo("exit 3");
    assertThat(Accounting.reasonFor(Errors.RUN_LOST, null, null)).isEqualTo(Reasons.LOST);
    assertThat(Accounting.reasonFor(Errors.DISPATCH_FAILED, null, "no cluster"))
        .isEqualTo("DispatchFailedException: no cluster");
  }

  @Test
  void retries_onlyLostAndInterrupted_belowMaxAttempts() {
    assertThat(Accounting.retries(Reasons.LOST, 1, false)).isTrue();
    assertThat(Accounting.retries(Reasons.INTERRUPTED, 2, false)).isTrue();
    assertThat(Accounting.retries(Reasons.LOST, Reasons.MAX_ATTEMPTS, false)).isFalse();
    assertThat(Accounting.retries("exit 1", 1, false)).isFalse();
    assertThat(Accounting.retries(Reasons.LOST, 1, true)).isFalse();
  }

  @Test
  void defaultMaxFailedRuns_isHalfTheBudgetRoundedUp_atLeastOne() {
    assertThat(ExperimentPlan.defaultMaxFailedRuns(12)).isEqualTo(6);
    assertThat(ExperimentPlan.defaultMaxFailedRuns(5)).isEqualTo(3);
    assertThat(ExperimentPlan.defaultMaxFailedRuns(1)).isEqualTo(1);
  }
}
