package dev.orchestra.functions.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.experiment.BestRuns;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.search.Metric;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the API answers, in the contract's snake_case shapes, and the mapping from the store. */
public final class Views {
  private Views() {}

  /** An experiment in a list. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record ExperimentSummary(
      @JsonProperty("id") String id,
      @JsonProperty("name") String name,
      @JsonProperty("status") String status,
      @JsonProperty("target") String target,
      @JsonProperty("budget") int budget,
      @JsonProperty("parallel_bandwidth") int parallelBandwidth,
      @JsonProperty("issued") int issued,
      @JsonProperty("running") int running,
      @JsonProperty("succeeded") int succeeded,
      @JsonProperty("failed") int failed,
      @JsonProperty("created_at") String createdAt) {}

  /** One experiment in full. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record ExperimentView(
      @JsonProperty("id") String id,
      @JsonProperty("name") String name,
      @JsonProperty("status") String status,
      @JsonProperty("target") String target,
      @JsonProperty("budget") int budget,
      @JsonProperty("parallel_bandwidth") int parallelBandwidth,
      @JsonProperty("issued") int issued,
      @JsonProperty("running") int running,
      @JsonProperty("succeeded") int succeeded,
      @JsonProperty("failed") int failed,
      @JsonProperty("created_at") String createdAt,
      @JsonProperty("stopped") boolean stopped,
      @JsonProperty("error") String error,
      @JsonProperty("metrics") List<MetricView> metrics,
      @JsonProperty("best") List<BestEntry> best,
      @JsonProperty("finished_at") String finishedAt) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record MetricView(
      @JsonProperty("name") String name,
      @JsonProperty("objective") String objective,
      @JsonProperty("strategy") String strategy) {}

  /** One entry of best: a run, its assignments and its metrics. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record BestEntry(
      @JsonProperty("run_id") String runId,
      @JsonProperty("number") int number,
      @JsonProperty("assignments") Map<String, Object> assignments,
      @JsonProperty("metrics") Map<String, Double> metrics) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record AttemptView(
      @JsonProperty("attempt") int attempt,
      @JsonProperty("reason") String reason,
      @JsonProperty("exit_code") Integer exitCode) {}

  /** One run. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record RunView(
      @JsonProperty("run_id") String runId,
      @JsonProperty("number") int number,
      @JsonProperty("status") String status,
      @JsonProperty("attempt") int attempt,
      @JsonProperty("assignments") Map<String, Object> assignments,
      @JsonProperty("metrics") Map<String, Object> metrics,
      @JsonProperty("reason") String reason,
      @JsonProperty("exit_code") Integer exitCode,
      @JsonProperty("attempts") List<AttemptView> attempts) {}

  /** {@code {"items": [...]}} without a next token (best). */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Items<T>(@JsonProperty("items") List<T> items) {}

  /** A page: {@code {"items": [...], "next": token|null}}. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record PageView<T>(
      @JsonProperty("items") List<T> items, @JsonProperty("next") String next) {}

  /** One chunk of a run attempt's output. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record LogChunk(
      @JsonProperty("run_id") String runId,
      @JsonProperty("attempt") int attempt,
      @JsonProperty("offset") long offset,
      @JsonProperty("next_offset") long nextOffset,
      @JsonProperty("complete") boolean complete,
      @JsonProperty("text") String text) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record VersionView(@JsonProperty("version") String version) {}

  public static ExperimentSummary summary(ExperimentRecord e) {
    return new ExperimentSummary(
        e.id(),
        e.name(),
        e.status().wire(),
        e.plan().target(),
        e.plan().budget(),
        e.plan().parallelBandwidth(),
        e.issued(),
        e.running(),
        e.succeeded(),
        e.failed(),
        e.createdAt());
  }

  /**
   * @param best the best runs now (computed from the runs while the experiment runs; Finalize's
   *     stored list once it ended)
   */
  public static ExperimentView view(ExperimentRecord e, List<BestEntry> best) {
    return new ExperimentView(
        e.id(),
        e.name(),
        e.status().wire(),
        e.plan().target(),
        e.plan().budget(),
        e.plan().parallelBandwidth(),
        e.issued(),
        e.running(),
        e.succeeded(),
        e.failed(),
        e.createdAt(),
        e.stopped(),
        e.error(),
        e.plan().space().metrics().stream().map(Views::metric).toList(),
        best,
        e.finishedAt());
  }

  static MetricView metric(Metric m) {
    return new MetricView(
        m.name(),
        m.objective() == null ? null : m.objective().name().toLowerCase(Locale.ROOT),
        m.strategy() == null ? null : m.strategy().name().toLowerCase(Locale.ROOT));
  }

  public static List<BestEntry> best(List<BestRuns.Entry> entries) {
    return entries.stream()
        .map(
            b ->
                new BestEntry(
                    b.run(), ExperimentIds.runNumber(b.run()), b.assignments(), b.metrics()))
        .toList();
  }

  public static RunView run(RunRecord r) {
    return new RunView(
        r.runId(),
        r.number(),
        r.status().wire(),
        r.attempt(),
        r.assignments(),
        r.metrics(),
        r.reason(),
        r.exitCode(),
        r.attempts().stream()
            .map(a -> new AttemptView(a.attempt(), a.reason(), a.exitCode()))
            .toList());
  }
}
