package dev.orchestra.cli.bench;

import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Observation;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import dev.orchestra.shared.search.Searcher;
import dev.orchestra.shared.search.SearcherState;
import dev.orchestra.shared.search.Searchers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code orchestra bench suggest}: how long one Bayesian suggestion takes as the Suggest step
 * performs it — restore the searcher from its state, fit the model (hyperparameters included) and
 * optimize the acquisition — on Hartmann6 (6 doubles) with n completed random observations.
 */
@Command(
    name = "suggest",
    mixinStandardHelpOptions = true,
    description = "Time Bayesian suggestions at 100 and 500 observations (median of N).")
final class SuggestBenchCommand implements Callable<Integer> {
  @Option(
      names = "--repeats",
      defaultValue = "5",
      description = "Repetitions; the median is reported.")
  int repeats;

  @Override
  public Integer call() {
    Result r = measure(repeats);
    System.out.printf(
        "one suggestion at 100 observations:          %7.0f ms (target ≤ 150)%n", r.one100);
    System.out.printf(
        "one suggestion at 500 observations:          %7.0f ms (target ≤ 1500)%n", r.one500);
    System.out.printf(
        "8 pending-aware suggestions at 100 observations: %4.0f ms (target ≤ 1000)%n", r.eight100);
    return 0;
  }

  record Result(double one100, double one500, double eight100) {}

  static Result measure(int repeats) {
    BenchFunction f = BenchFunction.hartmann6();
    SearchSpace space =
        new SearchSpace(
            f.parameters(),
            List.of(new Metric("y", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null)));
    List<Observation> obs100 = observations(f, space, 100);
    List<Observation> obs500 = observations(f, space, 500);
    // Warm the JIT once, as a warm Lambda would be; every measured call below is a fresh restore.
    one(space, obs100, List.of(), 99);
    double[] a = new double[repeats];
    double[] b = new double[repeats];
    double[] c = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      a[i] = one(space, obs100, List.of(), i);
      b[i] = one(space, obs500, List.of(), i);
      long t0 = System.nanoTime();
      List<Map<String, Object>> pending = new ArrayList<>();
      for (int k = 0; k < 8; k++) {
        Searcher s = restored(space, obs100.size() + k, i);
        pending.addAll(s.suggest(1, obs100, pending));
      }
      c[i] = (System.nanoTime() - t0) / 1e6;
    }
    return new Result(median(a), median(b), median(c));
  }

  private static double one(
      SearchSpace space, List<Observation> obs, List<Map<String, Object>> pending, long seed) {
    long t0 = System.nanoTime();
    restored(space, obs.size(), seed).suggest(1, obs, pending);
    return (System.nanoTime() - t0) / 1e6;
  }

  private static Searcher restored(SearchSpace space, long run, long seed) {
    SearcherState s = Searchers.create(SearchType.OFFLINE, space, seed).snapshot();
    return Searchers.restore(new SearcherState(s.type(), s.seed(), run, s.data()), space);
  }

  private static List<Observation> observations(BenchFunction f, SearchSpace space, int n) {
    Searcher random = Searchers.create(SearchType.RANDOM, space, 12345);
    List<Observation> out = new ArrayList<>();
    for (Map<String, Object> a : random.suggest(n, List.of(), List.of())) {
      out.add(new Observation(a, Map.of("y", f.value(a)), false));
    }
    return out;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
