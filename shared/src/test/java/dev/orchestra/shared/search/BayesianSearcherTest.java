package dev.orchestra.shared.search;

import static dev.orchestra.shared.search.Spaces.cat;
import static dev.orchestra.shared.search.Spaces.dbl;
import static dev.orchestra.shared.search.Spaces.integer;
import static dev.orchestra.shared.search.Spaces.maximize;
import static dev.orchestra.shared.search.Spaces.minimize;
import static dev.orchestra.shared.search.Spaces.x;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class BayesianSearcherTest {

  /** Runs the loop as the experiment does: restore, suggest one, store, observe. */
  private static List<Observation> optimize(
      SearchType type,
      SearchSpace space,
      long seed,
      int budget,
      Function<Map<String, Object>, Observation> run) {
    Searcher s = Searchers.create(type, space, seed);
    List<Observation> done = new ArrayList<>();
    for (int i = 0; i < budget; i++) {
      s = Searchers.restore(s.snapshot(), space);
      done.add(run.apply(s.suggest(1, done, List.of()).get(0)));
    }
    return done;
  }

  private static Observation ok(Map<String, Object> a, String metric, double v) {
    return new Observation(a, Map.of(metric, v), false);
  }

  private static double bowl(Map<String, Object> a) {
    double dx = x(a, "x") - 0.3;
    double dy = x(a, "y") - 0.7;
    return dx * dx + dy * dy;
  }

  private static final SearchSpace UNIT = unit(minimize("f"));

  private static SearchSpace unit(Metric... metrics) {
    return new SearchSpace(List.of(dbl("x", 0, 1), dbl("y", 0, 1)), List.of(metrics));
  }

  @Test
  void snapshot_throughJson_restoresTheIdenticalNextSuggestion() throws Exception {
    List<Observation> done = optimize(SearchType.OFFLINE, UNIT, 3, 9, a -> ok(a, "f", bowl(a)));
    Searcher s = Searchers.create(SearchType.OFFLINE, UNIT, 3);
    s.suggest(9, List.of(), List.of());
    ObjectMapper json = new ObjectMapper();
    SearcherState state =
        json.readValue(json.writeValueAsString(s.snapshot()), SearcherState.class);
    List<Map<String, Object>> pending = List.of(done.get(8).assignments());
    var expected = s.suggest(2, done.subList(0, 8), pending);
    var actual = Searchers.restore(state, UNIT).suggest(2, done.subList(0, 8), pending);
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void suggest_isAPureFunctionOfSeedRunCompletedAndPending() {
    List<Observation> done = optimize(SearchType.OFFLINE, UNIT, 5, 8, a -> ok(a, "f", bowl(a)));
    Searcher a = Searchers.create(SearchType.OFFLINE, UNIT, 5);
    a.suggest(8, List.of(), List.of());
    Searcher b = Searchers.restore(a.snapshot(), UNIT);
    // The same call repeated on a restored copy (a retried Suggest) gives the same answer.
    assertThat(a.suggest(1, done, List.of())).isEqualTo(b.suggest(1, done, List.of()));
  }

  @Test
  void suggest_withPending_neverRepeatsPendingOrCompleted() {
    SearchSpace small =
        new SearchSpace(
            List.of(integer("n", 1, 4), cat("opt", "a", "b", "c")), List.of(minimize("f")));
    Function<Map<String, Object>, Observation> run =
        a -> ok(a, "f", x(a, "n") + (a.get("opt").equals("b") ? 0 : 1));
    List<Observation> done = optimize(SearchType.OFFLINE, small, 1, 6, run);
    Searcher s = Searchers.create(SearchType.OFFLINE, small, 1);
    s.suggest(6, List.of(), List.of());
    List<Map<String, Object>> pending = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      pending.addAll(s.suggest(1, done, pending));
    }
    Set<Map<String, Object>> seen = new HashSet<>(pending);
    done.forEach(o -> seen.add(o.assignments()));
    assertThat(seen).hasSize(12);
    // A batch in one call is just as distinct.
    var batch = Searchers.create(SearchType.OFFLINE, UNIT, 2).suggest(12, List.of(), List.of());
    assertThat(batch).doesNotHaveDuplicates();
  }

  @Test
  void suggest_pendingSuggestionsStayDiverse() {
    List<Observation> done = optimize(SearchType.OFFLINE, UNIT, 4, 12, a -> ok(a, "f", bowl(a)));
    Searcher s = Searchers.create(SearchType.OFFLINE, UNIT, 4);
    s.suggest(12, List.of(), List.of());
    List<Map<String, Object>> pending = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pending.addAll(s.suggest(1, done, pending));
    }
    for (int i = 0; i < pending.size(); i++) {
      for (int j = 0; j < i; j++) {
        double dx = x(pending.get(i), "x") - x(pending.get(j), "x");
        double dy = x(pending.get(i), "y") - x(pending.get(j), "y");
        assertThat(Math.hypot(dx, dy)).as("distance %d-%d", i, j).isGreaterThan(1e-3);
      }
    }
  }

  @Test
  void suggest_minimizeAndMaximize_bothFindTheOptimum() {
    List<Observation> min = optimize(SearchType.OFFLINE, UNIT, 11, 20, a -> ok(a, "f", bowl(a)));
    List<Observation> max =
        optimize(SearchType.OFFLINE, unit(maximize("g")), 11, 20, a -> ok(a, "g", -bowl(a)));
    assertThat(min.stream().mapToDouble(o -> o.values().get("f")).min().orElseThrow())
        .isLessThan(1e-3);
    assertThat(max.stream().mapToDouble(o -> o.values().get("g")).max().orElseThrow())
        .isGreaterThan(-1e-3);
  }

  @Test
  void suggest_failedRuns_steerTheSearchAway() {
    // The objective improves towards x = 1, but every run with x > 0.6 crashes.
    SearchSpace space = unit(maximize("acc"));
    List<Observation> done =
        optimize(
            SearchType.OFFLINE,
            space,
            6,
            25,
            a ->
                x(a, "x") > 0.6
                    ? new Observation(a, Map.of(), true)
                    : ok(a, "acc", x(a, "x") - 0.2 * x(a, "y")));
    long lateFailures = done.subList(15, 25).stream().filter(Observation::failed).count();
    long earlyFailures = done.subList(0, 8).stream().filter(Observation::failed).count();
    assertThat(earlyFailures).isGreaterThan(0);
    assertThat(lateFailures).isLessThanOrEqualTo(3);
    Observation best = Best.best(space.metrics(), done).get(0);
    assertThat(best.values().get("acc")).isGreaterThan(0.5);
  }

  @Test
  void suggest_constraints_areRespected() {
    // Maximize x + y, subject to a constraint metric "mem" = x that must stay ≤ 0.3.
    Metric mem = new Metric("mem", Objective.MINIMIZE, MetricStrategy.CONSTRAINT, 0.3);
    SearchSpace space = unit(maximize("score"), mem);
    List<Observation> done =
        optimize(
            SearchType.OFFLINE,
            space,
            8,
            25,
            a ->
                new Observation(
                    a, Map.of("score", x(a, "x") + x(a, "y"), "mem", x(a, "x")), false));
    Observation best = Best.best(space.metrics(), done).get(0);
    assertThat(best.values().get("mem")).isLessThanOrEqualTo(0.3);
    assertThat(best.values().get("score")).isGreaterThan(1.15);
    long lateInfeasible =
        done.subList(15, 25).stream().filter(o -> o.values().get("mem") > 0.4).count();
    assertThat(lateInfeasible).isLessThanOrEqualTo(3);
  }

  @Test
  void suggest_twoMetrics_spreadsAlongTheParetoFrontier() {
    SearchSpace space = unit(minimize("f1"), minimize("f2"));
    List<Observation> done =
        optimize(
            SearchType.OFFLINE,
            space,
            9,
            25,
            a -> {
              double x = x(a, "x");
              double y = x(a, "y");
              return new Observation(a, Map.of("f1", x + y, "f2", (1 - x) * (1 - x) + y), false);
            });
    List<Observation> frontier = Best.best(space.metrics(), done);
    assertThat(frontier.size()).isGreaterThanOrEqualTo(4);
    double lo = frontier.stream().mapToDouble(o -> x(o.assignments(), "x")).min().orElseThrow();
    double hi = frontier.stream().mapToDouble(o -> x(o.assignments(), "x")).max().orElseThrow();
    assertThat(hi - lo).isGreaterThan(0.4);
    for (Observation a : frontier) {
      for (Observation b : frontier) {
        boolean dominates =
            a.values().get("f1") <= b.values().get("f1")
                && a.values().get("f2") <= b.values().get("f2")
                && !a.values().equals(b.values());
        assertThat(dominates).isFalse();
      }
    }
  }

  @Test
  void branin_atBudget30_bayesianBeatsRandom() {
    SearchSpace space = Spaces.braninSpace();
    double bayes = 0;
    double random = 0;
    for (long seed = 0; seed < 3; seed++) {
      bayes +=
          bestRegret(optimize(SearchType.OFFLINE, space, seed, 30, BayesianSearcherTest::branin));
      random +=
          bestRegret(optimize(SearchType.RANDOM, space, seed, 30, BayesianSearcherTest::branin));
    }
    assertThat(bayes / 3).isLessThan(0.05).isLessThan(random / 3 / 5);
  }

  private static Observation branin(Map<String, Object> a) {
    return ok(a, "y", Spaces.branin(a));
  }

  private static double bestRegret(List<Observation> done) {
    return done.stream().mapToDouble(o -> o.values().get("y")).min().orElseThrow()
        - Spaces.BRANIN_MIN;
  }
}
