package dev.orchestra.functions.experiment;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The experiment's {@code best}: always a list — the best feasible run for one optimized metric,
 * the Pareto frontier for two. Feasible = every constraint metric meets its threshold.
 */
public final class BestRuns {
  private BestRuns() {}

  /** One entry of {@code best}. */
  public record Entry(
      @JsonProperty("run") String run,
      @JsonProperty("assignments") Map<String, Object> assignments,
      @JsonProperty("metrics") Map<String, Double> metrics) {}

  public static List<Entry> of(ExperimentPlan plan, List<RunRecord> runs) {
    List<Metric> optimized = plan.optimizedMetrics();
    List<Entry> feasible = new ArrayList<>();
    runs.stream()
        .filter(r -> r.status() == RunStatus.SUCCEEDED)
        .sorted(Comparator.comparingInt(RunRecord::number))
        .forEach(
            r -> {
              Map<String, Double> m = Accounting.numericMetrics(r.metrics());
              if (feasible(plan, m) && optimized.stream().allMatch(o -> m.containsKey(o.name()))) {
                feasible.add(new Entry(r.runId(), r.assignments(), m));
              }
            });
    List<Entry> best = new ArrayList<>();
    for (Entry candidate : feasible) {
      boolean dominated = false;
      for (Entry other : feasible) {
        if (other != candidate && dominates(optimized, other, candidate)) {
          dominated = true;
          break;
        }
      }
      boolean duplicate = best.stream().anyMatch(b -> same(optimized, b, candidate));
      if (!dominated && !duplicate) {
        best.add(candidate);
      }
    }
    return best;
  }

  private static boolean feasible(ExperimentPlan plan, Map<String, Double> m) {
    for (Metric c : plan.space().metrics()) {
      if (c.strategy() == MetricStrategy.CONSTRAINT && c.threshold() != null) {
        Double v = m.get(c.name());
        if (v == null) {
          return false;
        }
        boolean ok = c.objective() == Objective.MINIMIZE ? v <= c.threshold() : v >= c.threshold();
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static double oriented(Metric m, Entry e) {
    double v = e.metrics().get(m.name());
    return m.objective() == Objective.MINIMIZE ? -v : v;
  }

  private static boolean dominates(List<Metric> metrics, Entry a, Entry b) {
    boolean strictly = false;
    for (Metric m : metrics) {
      double x = oriented(m, a);
      double y = oriented(m, b);
      if (x < y) {
        return false;
      }
      strictly |= x > y;
    }
    return strictly;
  }

  private static boolean same(List<Metric> metrics, Entry a, Entry b) {
    return metrics.stream().allMatch(m -> oriented(m, a) == oriented(m, b));
  }
}
