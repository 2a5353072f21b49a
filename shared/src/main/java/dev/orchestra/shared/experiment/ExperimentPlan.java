package dev.orchestra.shared.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.util.List;
import java.util.Map;

/**
 * What the experiment loop needs from a validated experiment.yml + run.yml, stored with the
 * experiment (secrets are never part of it). Built once at intake; every later step reads it.
 *
 * @param name experiment.yml {@code name}
 * @param type the searcher
 * @param space parameters and metrics
 * @param budget runs to charge (grid: already min(budget, grid size))
 * @param parallelBandwidth runs in flight at most
 * @param maxFailedRuns failures that stop the experiment
 * @param maxRunMinutes the Dispatch task's timeout, null for none
 * @param target the compute target ({@code cluster/<name>} or {@code pool/<name>})
 * @param image the resolved image reference (unused locally)
 * @param command run.yml {@code run}
 * @param requests resource requests (Kubernetes quantities)
 * @param limits resource limits
 * @param gpus whole GPUs per run
 * @param workdir local mode: the folder of run.yml; null in AWS
 * @param seed the searcher's seed
 * @param hasCredentials run.yml carried aws credentials (held apart from the plan)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExperimentPlan(
    String name,
    SearchType type,
    SearchSpace space,
    int budget,
    int parallelBandwidth,
    int maxFailedRuns,
    Double maxRunMinutes,
    String target,
    String image,
    String command,
    Map<String, String> requests,
    Map<String, String> limits,
    int gpus,
    String workdir,
    long seed,
    boolean hasCredentials) {

  public ExperimentPlan {
    requests = requests == null ? Map.of() : Map.copyOf(requests);
    limits = limits == null ? Map.of() : Map.copyOf(limits);
  }

  /** SigOpt's default when experiment.yml leaves it out: half the budget, at least one. */
  public static int defaultMaxFailedRuns(int budget) {
    return Math.max(1, (budget + 1) / 2);
  }

  /** Metrics a run must report: optimized and constraint metrics ({@code store} may be absent). */
  public List<Metric> requiredMetrics() {
    return space.metrics().stream().filter(m -> m.strategy() != MetricStrategy.STORE).toList();
  }

  public List<Metric> optimizedMetrics() {
    return space.metrics().stream().filter(m -> m.strategy() == MetricStrategy.OPTIMIZE).toList();
  }
}
