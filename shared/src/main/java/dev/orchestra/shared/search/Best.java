package dev.orchestra.shared.search;

import java.util.ArrayList;
import java.util.List;

/**
 * The experiment's best observations: for one optimized metric, the single best feasible one; for
 * two, the Pareto frontier of the feasible ones. Always a list (empty when nothing succeeded
 * feasibly). Feasible: not failed, every optimized and constraint metric present and finite, and
 * every constraint meeting its threshold in its objective's direction.
 */
public final class Best {
  private Best() {}

  public static List<Observation> best(List<Metric> metrics, List<Observation> observations) {
    List<Metric> optimized =
        metrics.stream().filter(m -> m.strategy() == MetricStrategy.OPTIMIZE).toList();
    if (optimized.isEmpty()) {
      return List.of();
    }
    List<Observation> feasible = new ArrayList<>();
    for (Observation o : observations) {
      if (isFeasible(metrics, o)) {
        feasible.add(o);
      }
    }
    if (optimized.size() == 1) {
      Observation best = null;
      for (Observation o : feasible) {
        if (best == null || loss(optimized.get(0), o) < loss(optimized.get(0), best)) {
          best = o;
        }
      }
      return best == null ? List.of() : List.of(best);
    }
    List<Observation> frontier = new ArrayList<>();
    for (Observation o : feasible) {
      boolean dominated = false;
      for (Observation other : feasible) {
        if (other != o && (dominates(optimized, other, o))) {
          dominated = true;
          break;
        }
      }
      if (!dominated && !containsSameValues(optimized, frontier, o)) {
        frontier.add(o);
      }
    }
    return frontier;
  }

  /** The metric's value turned into a loss (smaller is better). */
  public static double loss(Metric m, Observation o) {
    double v = o.values().get(m.name());
    return m.objective() == Objective.MAXIMIZE ? -v : v;
  }

  /**
   * How far a constraint is from being met: ≤ 0 when met (value ≥ threshold for maximize, ≤ for
   * minimize), positive by the shortfall otherwise.
   */
  public static double violation(Metric m, double value) {
    if (m.threshold() == null) {
      return Double.NEGATIVE_INFINITY;
    }
    return m.objective() == Objective.MAXIMIZE ? m.threshold() - value : value - m.threshold();
  }

  /** True when the run succeeded with usable values and meets every constraint. */
  public static boolean isFeasible(List<Metric> metrics, Observation o) {
    if (o.failed()) {
      return false;
    }
    for (Metric m : metrics) {
      if (m.strategy() == MetricStrategy.STORE) {
        continue;
      }
      Double v = o.values().get(m.name());
      if (v == null || !Double.isFinite(v)) {
        return false;
      }
      if (m.strategy() == MetricStrategy.CONSTRAINT && violation(m, v) > 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean dominates(List<Metric> optimized, Observation a, Observation b) {
    boolean strictly = false;
    for (Metric m : optimized) {
      double la = loss(m, a);
      double lb = loss(m, b);
      if (la > lb) {
        return false;
      }
      if (la < lb) {
        strictly = true;
      }
    }
    return strictly;
  }

  private static boolean containsSameValues(
      List<Metric> optimized, List<Observation> frontier, Observation o) {
    for (Observation f : frontier) {
      boolean same = true;
      for (Metric m : optimized) {
        same &= loss(m, f) == loss(m, o);
      }
      if (same) {
        return true;
      }
    }
    return false;
  }
}
