package dev.orchestra.functions.experiment;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Best;
import dev.orchestra.shared.search.Observation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment's {@code best} as stored and printed: the optimizer's {@link Best} (one best
 * feasible run, or the Pareto frontier for two metrics), mapped back to runs.
 */
public final class BestRuns {
  private BestRuns() {}

  /** One entry of {@code best}. */
  public record Entry(
      @JsonProperty("run") String run,
      @JsonProperty("assignments") Map<String, Object> assignments,
      @JsonProperty("metrics") Map<String, Double> metrics) {}

  /** The list as Finalize stored it. */
  public static List<Entry> parse(String json) {
    try {
      return dev.orchestra.functions.Json.MAPPER.readValue(
          json, new com.fasterxml.jackson.core.type.TypeReference<List<Entry>>() {});
    } catch (java.io.IOException e) {
      throw new IllegalStateException("the stored best list is not readable", e);
    }
  }

  public static List<Entry> of(ExperimentPlan plan, List<RunRecord> runs) {
    Map<Observation, RunRecord> byObservation = new IdentityHashMap<>();
    List<Observation> observations = new ArrayList<>();
    runs.stream()
        .filter(r -> r.status() == RunStatus.SUCCEEDED && r.assignments() != null)
        .sorted(Comparator.comparingInt(RunRecord::number))
        .forEach(
            r -> {
              Observation o =
                  new Observation(r.assignments(), Accounting.numericMetrics(r.metrics()), false);
              byObservation.put(o, r);
              observations.add(o);
            });
    return Best.best(plan.space().metrics(), observations).stream()
        .map(
            o -> {
              RunRecord r = byObservation.get(o);
              return new Entry(r.runId(), r.assignments(), o.values());
            })
        .toList();
  }
}
