package dev.orchestra.shared.config;

import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.util.List;

/**
 * A validated experiment.yml.
 *
 * @param budget runs to make; null only for grid (then the grid size)
 * @param maxFailedRuns as written, or null ({@link #effectiveMaxFailedRuns()})
 * @param cluster Orchestra extension: the target cluster, or null
 * @param pool Orchestra extension: the target EC2 pool, or null (never both)
 * @param maxRunMinutes Orchestra extension: a run's time limit, or null
 * @param run an embedded run.yml, or null when run.yml sits beside the file
 */
public record ExperimentConfig(
    String name,
    List<Metric> metrics,
    List<Parameter> parameters,
    SearchType type,
    Integer budget,
    int parallelBandwidth,
    Integer maxFailedRuns,
    String cluster,
    String pool,
    Double maxRunMinutes,
    RunConfig run) {

  public ExperimentConfig {
    metrics = List.copyOf(metrics);
    parameters = List.copyOf(parameters);
    type = type == null ? SearchType.OFFLINE : type;
  }

  public SearchSpace searchSpace() {
    return new SearchSpace(parameters, metrics);
  }

  /** The optimized metrics (one or two). */
  public List<Metric> optimizedMetrics() {
    return metrics.stream().filter(m -> m.strategy() == MetricStrategy.OPTIMIZE).toList();
  }

  /** Points in the full grid (saturating at Long.MAX_VALUE); meaningful for grid experiments. */
  public long gridSize() {
    long size = 1;
    for (Parameter p : parameters) {
      long n = gridPoints(p);
      if (n != 0 && size > Long.MAX_VALUE / n) {
        return Long.MAX_VALUE;
      }
      size *= n;
    }
    return size;
  }

  static long gridPoints(Parameter p) {
    if (!p.grid().isEmpty()) {
      return p.grid().size();
    }
    if (p.type() == ParameterType.CATEGORICAL) {
      return p.categories().size();
    }
    if (p.type() == ParameterType.INT) {
      return (long) (p.max() - p.min()) + 1;
    }
    return 0;
  }

  /** Runs the experiment makes: the budget, or for grid min(budget, grid size). */
  public long runCount() {
    if (type == SearchType.GRID) {
      long grid = gridSize();
      return budget == null ? grid : Math.min(budget, grid);
    }
    return budget == null ? 0 : budget;
  }

  /** {@code max_failed_runs}, or by default half the runs rounded up, at least 1. */
  public long effectiveMaxFailedRuns() {
    if (maxFailedRuns != null) {
      return maxFailedRuns;
    }
    long runs = runCount();
    return Math.max(1, runs / 2 + runs % 2);
  }

  /** The stored form: an embedded run's credentials dropped. */
  public ExperimentConfig redacted() {
    return run == null
        ? this
        : new ExperimentConfig(
            name,
            metrics,
            parameters,
            type,
            budget,
            parallelBandwidth,
            maxFailedRuns,
            cluster,
            pool,
            maxRunMinutes,
            run.redacted());
  }
}
