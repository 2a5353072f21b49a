package dev.orchestra.shared.search;

import java.util.List;
import java.util.Map;

/** Small search spaces and objectives for the searcher tests. */
final class Spaces {
  private Spaces() {}

  static Parameter dbl(String name, double min, double max) {
    return new Parameter(name, ParameterType.DOUBLE, min, max, false, List.of(), List.of());
  }

  static Parameter logDbl(String name, double min, double max) {
    return new Parameter(name, ParameterType.DOUBLE, min, max, true, List.of(), List.of());
  }

  static Parameter integer(String name, long min, long max) {
    return new Parameter(
        name, ParameterType.INT, (double) min, (double) max, false, List.of(), List.of());
  }

  static Parameter logInt(String name, long min, long max) {
    return new Parameter(
        name, ParameterType.INT, (double) min, (double) max, true, List.of(), List.of());
  }

  static Parameter cat(String name, String... values) {
    return new Parameter(
        name, ParameterType.CATEGORICAL, null, null, false, List.of(values), List.of());
  }

  static Metric minimize(String name) {
    return new Metric(name, Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null);
  }

  static Metric maximize(String name) {
    return new Metric(name, Objective.MAXIMIZE, MetricStrategy.OPTIMIZE, null);
  }

  static double x(Map<String, Object> a, String name) {
    return ((Number) a.get(name)).doubleValue();
  }

  /** Branin on [−5, 10] × [0, 15]; minimum 0.397887. */
  static double branin(Map<String, Object> a) {
    double x1 = x(a, "x1");
    double x2 = x(a, "x2");
    double b = 5.1 / (4 * Math.PI * Math.PI);
    double c = 5 / Math.PI;
    double t = 1 / (8 * Math.PI);
    double u = x2 - b * x1 * x1 + c * x1 - 6;
    return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
  }

  static final double BRANIN_MIN = 0.397887357729739;

  static SearchSpace braninSpace() {
    return new SearchSpace(List.of(dbl("x1", -5, 10), dbl("x2", 0, 15)), List.of(minimize("y")));
  }
}
