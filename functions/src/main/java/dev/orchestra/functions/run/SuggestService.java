package dev.orchestra.functions.run;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.S3Objects;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.SuggestResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Suggestion;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.run.DispatchFailedException;
import dev.orchestra.shared.search.Observation;
import dev.orchestra.shared.search.Searcher;
import dev.orchestra.shared.search.SearcherState;
import dev.orchestra.shared.search.Searchers;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Suggest: many run executions ask at once, so each reads the searcher's state and its version,
 * suggests, and commits the run's assignments together with the new state on the condition that the
 * version has not moved; the loser of a race suggests again from the winner's state. A suggestion
 * is thus a pure function of (seed, run number, completed observations, pending assignments), and
 * no random draw is lost or handed out twice.
 */
public class SuggestService {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SuggestService.class);

  /** DynamoDB items stop at 400 KB: bigger states live in S3. */
  static final int INLINE_STATE_LIMIT = 300 * 1024;

  private static final int MAX_CONFLICTS = 100;

  /** How searchers are made and restored (the optimizer's {@link Searchers} in production). */
  public interface SearcherFactory {
    Searcher create(ExperimentPlan plan);

    Searcher restore(SearcherState state, ExperimentPlan plan);

    SearcherFactory DEFAULT =
        new SearcherFactory() {
          @Override
          public Searcher create(ExperimentPlan plan) {
            return Searchers.create(plan.type(), plan.space(), plan.seed());
          }

          @Override
          public Searcher restore(SearcherState state, ExperimentPlan plan) {
            return Searchers.restore(state, plan.space());
          }
        };
  }

  private final DynamoDbExperimentStore store;
  private final S3Objects s3;
  private final SearcherFactory searchers;

  public SuggestService(DynamoDbExperimentStore store, S3Objects s3, SearcherFactory searchers) {
    this.store = store;
    this.s3 = s3;
    this.searchers = searchers;
  }

  /** The run's assignments, suggesting them first if no earlier call did. */
  public Map<String, Object> assignmentsFor(String experimentId, String runId) {
    RunRecord run =
        store.run(experimentId, runId).orElseThrow(() -> new ExperimentNotFoundException(runId));
    ExperimentRecord exp =
        store
            .experiment(experimentId)
            .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    return assignmentsFor(exp, run);
  }

  /**
   * As {@link #assignmentsFor(String, String)}, starting from records the caller has just read (one
   * store round trip less per read); a conflict reads the experiment's partition again.
   */
  public Map<String, Object> assignmentsFor(ExperimentRecord first, RunRecord firstRun) {
    String experimentId = first.id();
    String runId = firstRun.runId();
    ExperimentRecord exp = first;
    RunRecord run = firstRun;
    List<RunRecord> runs = null;
    for (int i = 0; i < MAX_CONFLICTS; i++) {
      if (run.assignments() != null) {
        return run.assignments();
      }
      long t0 = System.nanoTime();
      if (runs == null) {
        runs = store.runs(experimentId);
      }
      long t1 = System.nanoTime();
      Suggestion suggestion =
          suggest(exp, runs, runId, null)
              .orElseThrow(
                  () ->
                      new DispatchFailedException(
                          "the search space of "
                              + experimentId
                              + " is exhausted; no suggestion for "
                              + runId));
      long t2 = System.nanoTime();
      SuggestResult result =
          store.commitSuggestion(
              experimentId,
              runId,
              suggestion.assignments(),
              suggestion.fromVersion(),
              suggestion.state(),
              suggestion.stateKey());
      LOG.debug(
          "suggest {} try {}: runs {} ms, searcher {} ms, commit {} ms: {}",
          runId,
          i + 1,
          (t1 - t0) / 1_000_000,
          (t2 - t1) / 1_000_000,
          (System.nanoTime() - t2) / 1_000_000,
          result);
      if (result == SuggestResult.COMMITTED) {
        return suggestion.assignments();
      }
      // ALREADY_SUGGESTED or CONFLICT: read the partition again (one round trip) and retry.
      DynamoDbExperimentStore.Partition p =
          store
              .partition(experimentId)
              .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
      exp = p.experiment();
      runs = p.runs();
      run = p.run(runId).orElseThrow(() -> new ExperimentNotFoundException(runId));
    }
    throw new IllegalStateException(
        "suggestion for " + runId + " kept conflicting with concurrent runs; the task retries");
  }

  /**
   * A suggestion for run {@code runId} from the experiment and its runs as read, not committed: the
   * completed runs (in run order) are the observations, the others with assignments are pending.
   * {@code finishing}, a run being finished in the same write the suggestion will be committed
   * with, counts as completed with its new outcome. Empty when the search space is exhausted. A
   * state too big for an item is written to S3 first, under a key no other suggestion uses.
   */
  public Optional<Suggestion> suggest(
      ExperimentRecord exp, List<RunRecord> runs, String runId, RunRecord finishing) {
    Searcher searcher = load(exp);
    List<RunRecord> view =
        finishing == null
            ? runs
            : runs.stream().map(r -> r.runId().equals(finishing.runId()) ? finishing : r).toList();
    List<Observation> completed =
        view.stream()
            .filter(r -> r.status().isFinal() && r.assignments() != null)
            .sorted(Comparator.comparingInt(RunRecord::number))
            .map(
                r ->
                    new Observation(
                        r.assignments(),
                        r.status() == RunStatus.SUCCEEDED
                            ? Accounting.numericMetrics(r.metrics())
                            : Map.of(),
                        r.status() != RunStatus.SUCCEEDED))
            .toList();
    List<Map<String, Object>> pending =
        view.stream()
            .filter(
                r -> !r.status().isFinal() && r.assignments() != null && !r.runId().equals(runId))
            .map(RunRecord::assignments)
            .toList();
    List<Map<String, Object>> suggested = searcher.suggest(1, completed, pending);
    if (suggested.isEmpty()) {
      return Optional.empty();
    }
    String state = Json.write(searcher.snapshot());
    long version = exp.optimizerVersion();
    if (state.length() > INLINE_STATE_LIMIT) {
      // Named by the run too: a suggestion that loses the race must not overwrite the winner's.
      String key = "state/" + exp.id() + "/optimizer-" + (version + 1) + "-" + runId + ".json";
      s3.put(key, state, "application/json");
      return Optional.of(new Suggestion(suggested.get(0), version, null, key));
    }
    return Optional.of(new Suggestion(suggested.get(0), version, state, null));
  }

  /** The seed runs' assignments, in run order, and the searcher's state after them. */
  public record Seeds(
      List<Map<String, Object>> assignments, long fromVersion, String state, String stateKey) {}

  /**
   * Assignments for the first {@code count} runs of an experiment with no runs yet, suggested
   * together (each later seed sees the earlier ones as pending); empty when the search space has
   * fewer points.
   */
  public Optional<Seeds> seeds(ExperimentRecord exp, int count) {
    Searcher searcher = load(exp);
    List<Map<String, Object>> suggested = searcher.suggest(count, List.of(), List.of());
    if (suggested.size() < count) {
      return Optional.empty();
    }
    String state = Json.write(searcher.snapshot());
    long version = exp.optimizerVersion();
    if (state.length() > INLINE_STATE_LIMIT) {
      String key = "state/" + exp.id() + "/optimizer-" + (version + 1) + "-seeds.json";
      s3.put(key, state, "application/json");
      return Optional.of(new Seeds(suggested, version, null, key));
    }
    return Optional.of(new Seeds(suggested, version, state, null));
  }

  private Searcher load(ExperimentRecord exp) {
    String state = exp.optimizerState();
    if (state == null && exp.optimizerStateKey() != null) {
      state =
          s3.get(exp.optimizerStateKey())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "optimizer state " + exp.optimizerStateKey() + " is missing from S3"));
    }
    if (state == null) {
      return searchers.create(exp.plan());
    }
    return searchers.restore(Json.read(state, SearcherState.class), exp.plan());
  }
}
