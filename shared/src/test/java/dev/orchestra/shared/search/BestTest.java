package dev.orchestra.shared.search;

import static dev.orchestra.shared.search.Spaces.maximize;
import static dev.orchestra.shared.search.Spaces.minimize;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BestTest {
  private static Observation obs(int id, Map<String, Double> values) {
    return new Observation(Map.of("id", (long) id), values, false);
  }

  @Test
  void best_singleMetric_respectsObjectiveAndSkipsFailures() {
    List<Observation> runs =
        List.of(
            obs(1, Map.of("acc", 0.7)),
            new Observation(Map.of("id", 2L), Map.of(), true),
            obs(3, Map.of("acc", 0.9)),
            obs(4, Map.of("acc", 0.8)));
    assertThat(Best.best(List.of(maximize("acc")), runs)).containsExactly(runs.get(2));
    assertThat(Best.best(List.of(minimize("acc")), runs)).containsExactly(runs.get(0));
  }

  @Test
  void best_constraint_excludesInfeasibleRunsAndStoreMetricsAreIgnored() {
    List<Metric> metrics =
        List.of(
            maximize("acc"),
            new Metric("latency", Objective.MINIMIZE, MetricStrategy.CONSTRAINT, 10.0),
            new Metric("note", Objective.MAXIMIZE, MetricStrategy.STORE, null));
    List<Observation> runs =
        List.of(
            obs(1, Map.of("acc", 0.95, "latency", 12.0)),
            obs(2, Map.of("acc", 0.90, "latency", 9.0)),
            obs(3, Map.of("acc", 0.80, "latency", 5.0, "note", 1.0)));
    assertThat(Best.best(metrics, runs)).containsExactly(runs.get(1));
    assertThat(Best.best(metrics, List.of(runs.get(0)))).isEmpty();
  }

  @Test
  void best_twoMetrics_isTheParetoFrontier() {
    List<Metric> metrics = List.of(maximize("acc"), minimize("cost"));
    List<Observation> runs =
        List.of(
            obs(1, Map.of("acc", 0.9, "cost", 10.0)),
            obs(2, Map.of("acc", 0.8, "cost", 5.0)),
            obs(3, Map.of("acc", 0.7, "cost", 6.0)), // dominated by 2
            obs(4, Map.of("acc", 0.95, "cost", 20.0)),
            obs(5, Map.of("acc", 0.8, "cost", 5.0))); // same values as 2: listed once
    assertThat(Best.best(metrics, runs)).containsExactly(runs.get(0), runs.get(1), runs.get(3));
  }
}
