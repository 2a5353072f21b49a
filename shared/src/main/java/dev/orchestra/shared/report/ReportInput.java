package dev.orchestra.shared.report;

import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.Parameter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a report shows: the experiment as it stands when the report is rendered.
 *
 * @param error why the experiment failed, or null
 * @param runs every issued run, in any order
 * @param best the run ids of {@code best}: one run, or the Pareto frontier for two optimized
 *     metrics; empty when nothing succeeded feasibly
 * @param generatedAt when the report was rendered
 */
public record ReportInput(
    String experimentId,
    String name,
    ExperimentStatus status,
    String error,
    List<Metric> metrics,
    List<Parameter> parameters,
    List<Run> runs,
    List<String> best,
    Instant generatedAt) {

  public ReportInput {
    metrics = List.copyOf(metrics);
    parameters = List.copyOf(parameters);
    runs = List.copyOf(runs);
    best = best == null ? List.of() : List.copyOf(best);
  }

  /**
   * One run.
   *
   * @param assignments parameter name → value, null before Suggest committed one
   * @param metrics what the run reported (numbers, or the strings "NaN"/"Infinity"), or null
   * @param reason why it did not succeed, null when it did (or is still going)
   */
  public record Run(
      String runId,
      int number,
      RunStatus status,
      int attempt,
      Map<String, Object> assignments,
      Map<String, Object> metrics,
      String reason) {}
}
