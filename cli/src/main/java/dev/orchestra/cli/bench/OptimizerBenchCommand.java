package dev.orchestra.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.cli.UserError;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Observation;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import dev.orchestra.shared.search.Searcher;
import dev.orchestra.shared.search.Searchers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code orchestra bench optimizer}: Bayesian ({@code offline}) and random search against Optuna's
 * TPESampler on the benchmark functions, bandwidth 1, one run per seed at the largest budget (no
 * method knows the budget, so a run's prefix is the run at a smaller budget).
 */
@Command(
    name = "optimizer",
    mixinStandardHelpOptions = true,
    description =
        "Bayesian vs random vs Optuna TPE: median simple regret and evaluations-to-target.")
final class OptimizerBenchCommand implements Callable<Integer> {
  /** The smooth continuous functions on which Bayesian must halve TPE's median regret at 30. */
  static final List<String> SMOOTH = List.of("branin", "hartmann6", "rosenbrock4");

  @Option(names = "--seeds", defaultValue = "10", description = "Seeds per function (0..N-1).")
  int seeds;

  @Option(names = "--budgets", defaultValue = "30,60,100", split = ",", description = "Budgets.")
  int[] budgets;

  @Option(
      names = "--functions",
      split = ",",
      description =
          "Functions: branin, hartmann6, rosenbrock4, ackley5, levy4, mixed (default all).")
  List<String> functions;

  @Option(names = "--out", defaultValue = "bench-optimizer.json", description = "JSON output file.")
  Path out;

  @Option(names = "--no-optuna", description = "Skip Optuna TPE (no Python needed).")
  boolean noOptuna;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Seeds run in parallel for bayes/random (each searcher stays single-threaded).")
  int threads;

  @Override
  public Integer call() throws Exception {
    List<BenchFunction> fs = new ArrayList<>();
    try {
      for (String name : functions == null ? List.<String>of() : functions) {
        fs.add(BenchFunction.byName(name.trim()));
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(
          e.getMessage() + "; choose from branin, hartmann6, rosenbrock4, ackley5, levy4, mixed");
    }
    if (fs.isEmpty()) {
      fs = BenchFunction.all();
    }
    int maxBudget = Arrays.stream(budgets).max().orElseThrow();
    List<String> methods = new ArrayList<>(List.of("bayes", "random"));
    if (!noOptuna) {
      methods.add("tpe");
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("seeds", seeds)
        .put("bandwidth", 1)
        .put("optuna", noOptuna ? "skipped" : OptunaTpe.VERSION);
    ArrayNode results = root.putArray("functions");
    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            "%-12s %6s %12s %12s %12s %8s %8s | %-7s %-7s %-7s",
            "function",
            "budget",
            "bayes",
            "random",
            "tpe",
            "b/tpe",
            "p(worse)",
            "e2t:b",
            "random",
            "tpe"));
    List<String> failures = new ArrayList<>();
    try (OptunaTpe tpe = noOptuna ? null : OptunaTpe.start()) {
      for (BenchFunction f : fs) {
        Map<String, double[][]> traces = new LinkedHashMap<>();
        for (String m : methods) {
          double[][] t = new double[seeds][];
          java.util.concurrent.ExecutorService pool =
              java.util.concurrent.Executors.newFixedThreadPool(m.equals("tpe") ? 1 : threads);
          List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
          for (int s = 0; s < seeds; s++) {
            int seed = s;
            jobs.add(
                pool.submit(
                    () -> {
                      long t0 = System.nanoTime();
                      t[seed] = run(m, f, seed, maxBudget, tpe);
                      System.err.printf(
                          "bench: %s %s seed %d: best %.4g (%.1f s)%n",
                          f.name(),
                          m,
                          seed,
                          min(t[seed], maxBudget),
                          (System.nanoTime() - t0) / 1e9);
                      return null;
                    }));
          }
          for (var j : jobs) {
            j.get();
          }
          pool.shutdown();
          traces.put(m, t);
        }
        ObjectNode fn = results.addObject();
        fn.put("name", f.name()).put("optimum", f.optimum()).put("target_regret", f.target());
        ObjectNode values = fn.putObject("values");
        traces.forEach(
            (m, t) -> {
              ArrayNode seedsNode = values.putArray(m);
              for (double[] trace : t) {
                ArrayNode tn = seedsNode.addArray();
                Arrays.stream(trace).forEach(tn::add);
              }
            });
        ObjectNode byBudget = fn.putObject("budgets");
        for (int b : budgets) {
          ObjectNode nb = byBudget.putObject(Integer.toString(b));
          Map<String, double[]> regrets = new LinkedHashMap<>();
          Map<String, String> e2t = new LinkedHashMap<>();
          for (String m : methods) {
            double[] r = new double[seeds];
            Integer[] evals = new Integer[seeds];
            for (int s = 0; s < seeds; s++) {
              r[s] = min(traces.get(m)[s], b) - f.optimum();
              evals[s] = evalsToTarget(traces.get(m)[s], b, f);
            }
            regrets.put(m, r);
            ObjectNode nm = nb.putObject(m);
            nm.put("median_regret", median(r));
            ArrayNode ra = nm.putArray("regret");
            Arrays.stream(r).forEach(ra::add);
            ArrayNode ea = nm.putArray("evals_to_target");
            for (Integer e : evals) {
              if (e == null) {
                ea.addNull();
              } else {
                ea.add(e);
              }
            }
            Double me = medianEvals(evals);
            if (me == null) {
              nm.putNull("median_evals_to_target");
            } else {
              nm.put("median_evals_to_target", me);
            }
            e2t.put(m, me == null ? ">" + b : String.format("%.1f", me));
          }
          String ratio = "-";
          String p = "-";
          if (regrets.containsKey("tpe")) {
            double pw = pWorse(regrets.get("bayes"), regrets.get("tpe"));
            double rt = median(regrets.get("bayes")) / median(regrets.get("tpe"));
            nb.put("p_bayes_worse_than_tpe", pw).put("bayes_over_tpe_median_regret", rt);
            p = String.format("%.3f", pw);
            ratio = String.format("%.2f", rt);
            if (pw < 0.05) {
              failures.add(
                  f.name() + " @" + b + ": Bayesian significantly worse than TPE (p=" + p + ")");
            }
            if (b == 30 && SMOOTH.contains(f.name()) && !(rt <= 0.5)) {
              failures.add(f.name() + " @30: median regret " + ratio + "× TPE's (target ≤ 0.5)");
            }
          }
          table.add(
              String.format(
                  "%-12s %6d %12.4g %12.4g %12s %8s %8s | %-7s %-7s %-7s",
                  f.name(),
                  b,
                  median(regrets.get("bayes")),
                  median(regrets.get("random")),
                  regrets.containsKey("tpe")
                      ? String.format("%.4g", median(regrets.get("tpe")))
                      : "-",
                  ratio,
                  p,
                  e2t.get("bayes"),
                  e2t.get("random"),
                  e2t.getOrDefault("tpe", "-")));
        }
        Double branin =
            fn.path("budgets")
                    .path(Integer.toString(maxBudget))
                    .path("bayes")
                    .path("median_evals_to_target")
                    .isNumber()
                ? fn.path("budgets")
                    .path(Integer.toString(maxBudget))
                    .path("bayes")
                    .path("median_evals_to_target")
                    .asDouble()
                : null;
        if (f.name().equals("branin") && (branin == null || branin > 25)) {
          failures.add("branin: median evaluations to regret 0.01 is " + branin + " (target ≤ 25)");
        }
        if (f.name().equals("hartmann6") && (branin == null || branin > 60)) {
          failures.add(
              "hartmann6: median evaluations to regret 0.1 is " + branin + " (target ≤ 60)");
        }
      }
    }
    System.out.println(
        "median simple regret (10 seeds unless --seeds); e2t = median evaluations to target regret");
    table.forEach(System.out::println);
    System.out.println(failures.isEmpty() ? "targets: all met" : "targets missed:");
    failures.forEach(s -> System.out.println("  " + s));
    ArrayNode missed = root.putArray("targets_missed");
    failures.forEach(missed::add);
    try {
      json.writeValue(out.toFile(), root);
    } catch (IOException e) {
      throw new UserError("cannot write " + out + ": " + e.getMessage(), 1);
    }
    System.out.println("wrote " + out);
    return 0;
  }

  private static double[] run(String method, BenchFunction f, long seed, int budget, OptunaTpe tpe)
      throws IOException {
    double[] values = new double[budget];
    if (method.equals("tpe")) {
      tpe.study(seed, f.parameters());
      for (int i = 0; i < budget; i++) {
        Map<String, Object> a = tpe.ask(f.parameters());
        values[i] = f.value(a);
        tpe.tell(values[i]);
      }
      return values;
    }
    SearchSpace space =
        new SearchSpace(
            f.parameters(),
            List.of(new Metric("y", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null)));
    Searcher searcher =
        Searchers.create(
            method.equals("bayes") ? SearchType.OFFLINE : SearchType.RANDOM, space, seed);
    List<Observation> completed = new ArrayList<>();
    for (int i = 0; i < budget; i++) {
      // As the loop does it: restore from the stored state, suggest one, store the new state.
      searcher = Searchers.restore(searcher.snapshot(), space);
      Map<String, Object> a = searcher.suggest(1, completed, List.of()).get(0);
      values[i] = f.value(a);
      completed.add(new Observation(a, Map.of("y", values[i]), false));
    }
    return values;
  }

  private static double min(double[] v, int n) {
    double m = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      m = Math.min(m, v[i]);
    }
    return m;
  }

  private static Integer evalsToTarget(double[] v, int budget, BenchFunction f) {
    for (int i = 0; i < budget; i++) {
      if (v[i] - f.optimum() <= f.target()) {
        return i + 1;
      }
    }
    return null;
  }

  static double median(double[] v) {
    return SuggestBenchCommand.median(v);
  }

  /** Median with "not reached" as +∞; null when the median itself was not reached. */
  private static Double medianEvals(Integer[] evals) {
    double[] v = new double[evals.length];
    for (int i = 0; i < evals.length; i++) {
      v[i] = evals[i] == null ? Double.POSITIVE_INFINITY : evals[i];
    }
    double m = median(v);
    return Double.isFinite(m) ? m : null;
  }

  /**
   * One-sided Mann–Whitney U p-value for "Bayesian's regrets are larger than TPE's": Commons Math
   * gives the two-sided p (normal approximation); halve it in the direction of the U statistic.
   */
  static double pWorse(double[] bayes, double[] tpe) {
    double u = 0;
    for (double b : bayes) {
      for (double t : tpe) {
        u += b > t ? 1 : b == t ? 0.5 : 0;
      }
    }
    double twoSided = new MannWhitneyUTest().mannWhitneyUTest(bayes, tpe);
    double half = bayes.length * (double) tpe.length / 2;
    return u > half ? twoSided / 2 : 1 - twoSided / 2;
  }
}
