package dev.orchestra.shared.search;

import java.util.List;

/** The validated search problem: parameters in file order and the metrics. */
public record SearchSpace(List<Parameter> parameters, List<Metric> metrics) {
  public SearchSpace {
    parameters = List.copyOf(parameters);
    metrics = List.copyOf(metrics);
  }
}
