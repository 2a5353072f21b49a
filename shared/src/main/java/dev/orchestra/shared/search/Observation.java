package dev.orchestra.shared.search;

import java.util.Map;

/**
 * A completed run as the searcher sees it.
 *
 * @param assignments parameter name → value (Double for double, Long for int, String for
 *     categorical)
 * @param values metric name → value; empty when the run failed
 * @param failed true when the run failed (the model learns it as an infeasible region)
 */
public record Observation(
    Map<String, Object> assignments, Map<String, Double> values, boolean failed) {
  public Observation {
    assignments = Map.copyOf(assignments);
    values = values == null ? Map.of() : Map.copyOf(values);
  }
}
