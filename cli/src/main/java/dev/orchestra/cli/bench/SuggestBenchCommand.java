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
        "median of %d; wall ms (thread CPU ms); load average at start %.1f on %d cores%n",
        repeats, r.load, Runtime.getRuntime().availableProcessors());
    print("one suggestion at 100 observations", r.one100, 150);
    print("one suggestion at 500 observations", r.one500, 1500);
    print("8 pending-aware suggestions at 100 observations", r.eight100, 1000);
    return 0;
  }

  private static void print(String what, double[] wallCpu, double target) {
    System.out.printf(
        "%-50s %7.0f ms (%5.0f ms CPU)  target ≤ %.0f ms%n", what, wallCpu[0], wallCpu[1], target);
  }

  /** Each figure: {median wall ms, median thread-CPU ms}. */
  record Result(double[] one100, double[] one500, double[] eight100, double load) {}

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  static Result measure(int repeats) {
    BenchFunction f = BenchFunction.hartmann6();
    SearchSpace space =
        new SearchSpace(
            f.parameters(),
            List.of(new Metric("y", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null)));
    List<Observation> obs100 = observations(f, space, 100);
    List<Observation> obs500 = observations(f, space, 500);
    // Warm the JIT once, as a warm Lambda would be; every measured call below is a fresh restore.
    double load =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    one(space, obs100, 99);
    one(space, obs500, 98);
    double[][] a = new double[2][repeats];
    double[][] b = new double[2][repeats];
    double[][] c = new double[2][repeats];
    for (int i = 0; i < repeats; i++) {
      double[] x = one(space, obs100, 1000 + i);
      a[0][i] = x[0];
      a[1][i] = x[1];
      x = one(space, obs500, 2000 + i);
      b[0][i] = x[0];
      b[1][i] = x[1];
      long t0 = System.nanoTime();
      long c0 = THREADS.getCurrentThreadCpuTime();
      List<Map<String, Object>> pending = new ArrayList<>();
      for (int k = 0; k < 8; k++) {
        Searcher s = restored(space, obs100.size() + k, 3000 + i);
        pending.addAll(s.suggest(1, obs100, pending));
      }
      c[0][i] = (System.nanoTime() - t0) / 1e6;
      c[1][i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
    }
    return new Result(
        new double[] {median(a[0]), median(a[1])},
        new double[] {median(b[0]), median(b[1])},
        new double[] {median(c[0]), median(c[1])},
        load);
  }

  /** A fresh restore and one suggestion, with a seed no earlier call used (no cached model). */
  private static double[] one(SearchSpace space, List<Observation> obs, long seed) {
    long t0 = System.nanoTime();
    long c0 = THREADS.getCurrentThreadCpuTime();
    restored(space, obs.size(), seed).suggest(1, obs, List.of());
    return new double[] {
      (System.nanoTime() - t0) / 1e6, (THREADS.getCurrentThreadCpuTime() - c0) / 1e6
    };
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
