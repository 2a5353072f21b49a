package dev.orchestra.shared.search;

/**
 * One metric of an experiment.
 *
 * @param threshold for a constraint: the bound the value must meet (≥ for maximize, ≤ for
 *     minimize); for an optimized metric: an optional threshold of interest; null when absent
 */
public record Metric(String name, Objective objective, MetricStrategy strategy, Double threshold) {}
