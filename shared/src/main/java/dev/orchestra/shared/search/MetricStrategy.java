package dev.orchestra.shared.search;

/**
 * SigOpt's metric strategies: optimized (at most two), a constraint (feasible when it beats its
 * threshold in the metric's objective direction), or only stored.
 */
public enum MetricStrategy {
  OPTIMIZE,
  CONSTRAINT,
  STORE
}
