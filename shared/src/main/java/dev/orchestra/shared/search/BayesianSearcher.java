package dev.orchestra.shared.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.shared.search.bayes.Acquisition;
import dev.orchestra.shared.search.bayes.GaussianProcess;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.random.SobolSequenceGenerator;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * Bayesian optimization ({@code type: offline}).
 *
 * <ul>
 *   <li>Initial design: a randomly shifted Sobol sequence (shift from the seed), one point per run
 *       number, for the first {@link #initialRuns} runs and until two runs have succeeded.
 *   <li>Surrogate: a Matérn 5/2 ARD Gaussian process on the unit cube ({@link SpaceCodec}: log
 *       parameters in log space, ints as equal cells, categories one-hot) and standardized losses.
 *       Hyperparameters by penalized marginal likelihood with restarts.
 *   <li>Acquisition: log expected improvement over the best feasible loss, times the probability
 *       that each constraint is met (one GP per constraint metric). Maximized over random and
 *       incumbent-local candidates, the best few refined by BOBYQA (Brent in one dimension); ints
 *       and categories are snapped inside the acquisition so the model only scores real values.
 *   <li>Failed runs: their loss (and constraint values) are imputed as the worst seen, so the model
 *       learns the region as bad and the search moves away.
 *   <li>Two optimized metrics: ParEGO — each suggestion draws random weights and models the
 *       augmented Chebyshev scalarization of the range-normalized losses.
 *   <li>Pending runs: kriging believer — each pending point joins the model with its predicted
 *       value as if observed, collapsing the uncertainty (and so the acquisition) there;
 *       suggestions never repeat a pending or completed assignment.
 *   <li>Local optima: every acquisition optimization restarts from fresh global random candidates
 *       besides the incumbents' neighbourhoods, so a better basin anywhere is found as soon as the
 *       model's uncertainty makes it promising; log EI keeps that signal alive where plain EI
 *       underflows to zero; and the evidence-chosen log warp of heavy-tailed losses keeps one deep
 *       valley from hiding the others.
 *   <li>Cost: the hyperparameter fit uses at most {@link #FIT_CAP} observations (the best half and
 *       a seeded sample of the rest), the posterior at most {@link #POSTERIOR_CAP}; past these caps
 *       the model forgets detail far from the best runs in exchange for bounded time.
 * </ul>
 *
 * <p>Every random choice comes from a generator derived from the seed, the run number or the number
 * of completed runs, so a suggestion is a pure function of (seed, run number, completed, pending).
 */
final class BayesianSearcher implements Searcher {
  static final int FIT_CAP = 100;

  /** Log-warp offsets (fractions of best-to-median gap) tried against no warp (0). */
  static final double[] WARP_DELTAS = {0, 1, 0.1};

  static final int POSTERIOR_CAP = 1000;
  private static final int RANDOM_CANDIDATES = 600;
  private static final int LOCAL_CANDIDATES = 60;
  private static final int INCUMBENTS = 5;
  private static final int REFINED = 2;

  private final SearchSpace space;
  private final long seed;
  private final RestorableUniformRandomProvider rng;
  private final SpaceCodec codec;
  private final boolean[] categorical;
  private final List<Metric> optimized;
  private final List<Metric> constraints;
  private long suggested;

  /**
   * Fitted models by (space, seed, completed, weights). A model is a pure function of these, so
   * reusing one changes no suggestion; it saves the refit when a warm JVM (a warm Lambda) suggests
   * several times against the same completed runs, as it does while filling parallel slots.
   */
  private static final Map<List<Object>, Model> MODELS =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<Object>, Model> eldest) {
              return size() > 4;
            }
          });

  BayesianSearcher(
      SearchSpace space, long seed, RestorableUniformRandomProvider rng, long suggested) {
    this.space = space;
    this.seed = seed;
    this.rng = rng;
    this.suggested = suggested;
    this.codec = new SpaceCodec(space.parameters());
    this.categorical = codec.categoricalMask();
    this.optimized =
        space.metrics().stream().filter(m -> m.strategy() == MetricStrategy.OPTIMIZE).toList();
    this.constraints =
        space.metrics().stream()
            .filter(m -> m.strategy() == MetricStrategy.CONSTRAINT && m.threshold() != null)
            .toList();
  }

  int initialRuns() {
    return Math.min(10, Math.max(5, space.parameters().size() + 2));
  }

  @Override
  public List<Map<String, Object>> suggest(
      int count, List<Observation> completed, List<Map<String, Object>> pending) {
    List<Map<String, Object>> inFlight = new ArrayList<>(pending);
    List<Map<String, Object>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      UniformRandomProvider r = Rngs.create(rng.nextLong());
      Map<String, Object> a = suggestOne(suggested, completed, inFlight, r);
      out.add(a);
      inFlight.add(a);
      suggested++;
    }
    return out;
  }

  @Override
  public SearcherState snapshot() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("rng", Rngs.save(rng));
    return new SearcherState(SearchType.OFFLINE, seed, suggested, data);
  }

  private Map<String, Object> suggestOne(
      long run,
      List<Observation> completed,
      List<Map<String, Object>> pending,
      UniformRandomProvider r) {
    Set<String> taken = new HashSet<>();
    for (Observation o : completed) {
      taken.add(codec.key(o.assignments()));
    }
    for (Map<String, Object> p : pending) {
      taken.add(codec.key(p));
    }
    long usable = completed.stream().filter(this::usable).count();
    if (run < initialRuns() || usable < 2 || optimized.isEmpty()) {
      Map<String, Object> a = codec.decode(designPoint(run));
      return taken.contains(codec.key(a)) ? randomUnseen(taken, r) : a;
    }
    double[] weights = null;
    if (optimized.size() == 2) {
      double w = r.nextDouble();
      weights = new double[] {w, 1 - w};
    }
    Model model = model(completed, weights);
    Posterior posterior = model.withPending(pending, codec);
    Map<String, Object> best = maximize(posterior, model, taken, r);
    return best != null ? best : randomUnseen(taken, r);
  }

  private boolean usable(Observation o) {
    if (o.failed()) {
      return false;
    }
    for (Metric m : optimized) {
      Double v = o.values().get(m.name());
      if (v == null || !Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  private double[] designPoint(long run) {
    int d = codec.dimensions();
    SobolSequenceGenerator sobol = new SobolSequenceGenerator(d);
    sobol.skipTo((int) Math.min(Integer.MAX_VALUE - 1, run + 1));
    double[] u = sobol.nextVector();
    UniformRandomProvider shift = Rngs.derive(seed, 0x5EED50B01L);
    for (int i = 0; i < d; i++) {
      u[i] = (u[i] + shift.nextDouble()) % 1.0;
    }
    // A categorical's one-hot block: the Sobol coordinates of its block pick the category.
    return u;
  }

  private Map<String, Object> randomUnseen(Set<String> taken, UniformRandomProvider r) {
    Map<String, Object> a = null;
    for (int i = 0; i < 100; i++) {
      a = RandomSearcher.sample(space.parameters(), r);
      if (!taken.contains(codec.key(a))) {
        return a;
      }
    }
    return a;
  }

  // ---------------------------------------------------------------- model

  /** The fitted surrogates: objective (or scalarized objectives) and one per constraint. */
  private Model model(List<Observation> completed, double[] weights) {
    List<Object> cacheKey =
        List.of(
            space,
            seed,
            List.copyOf(completed),
            weights == null ? List.of() : Arrays.stream(weights).boxed().toList());
    Model cached = MODELS.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    List<double[]> xs = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<double[]> cons = new ArrayList<>();
    List<Boolean> feasible = new ArrayList<>();
    double[][] lossRange = new double[optimized.size()][];
    for (int m = 0; m < optimized.size(); m++) {
      lossRange[m] = new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    }
    for (Observation o : completed) {
      if (usable(o)) {
        for (int m = 0; m < optimized.size(); m++) {
          double l = Best.loss(optimized.get(m), o);
          lossRange[m][0] = Math.min(lossRange[m][0], l);
          lossRange[m][1] = Math.max(lossRange[m][1], l);
        }
      }
    }
    for (Observation o : completed) {
      xs.add(codec.encode(o.assignments()));
      if (!usable(o)) {
        losses.add(Double.NaN);
        feasible.add(false);
      } else {
        losses.add(scalarize(o, weights, lossRange));
        feasible.add(Best.isFeasible(space.metrics(), o));
      }
      double[] g = new double[constraints.size()];
      for (int c = 0; c < constraints.size(); c++) {
        Double v = o.failed() ? null : o.values().get(constraints.get(c).name());
        g[c] =
            v == null || !Double.isFinite(v) ? Double.NaN : Best.violation(constraints.get(c), v);
      }
      cons.add(g);
    }
    double[][] x = xs.toArray(new double[0][]);
    double[] raw = impute(losses.stream().mapToDouble(Double::doubleValue).toArray());
    // Model the losses as they are, or log-warped; keep whichever explains them better.
    Surrogate objective = null;
    double[] y = raw;
    double bestEvidence = Double.NEGATIVE_INFINITY;
    for (double delta : WARP_DELTAS) {
      boolean logWarp = delta > 0;
      double[] jacobian = new double[1];
      double[] w = logWarp ? logWarp(raw, delta, jacobian) : raw;
      if (w == null) {
        continue;
      }
      Surrogate s = Surrogate.fit(x, w, Rngs.derive(seed, completed.size(), 1));
      double evidence = s.evidence() + jacobian[0];
      if (evidence > bestEvidence) {
        bestEvidence = evidence;
        objective = s;
        y = w;
      }
    }
    Surrogate[] constraintModels = new Surrogate[constraints.size()];
    for (int c = 0; c < constraints.size(); c++) {
      double[] g = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        g[i] = cons.get(i)[c];
      }
      constraintModels[c] = Surrogate.fit(x, impute(g), Rngs.derive(seed, completed.size(), 2 + c));
    }
    double incumbent = Double.POSITIVE_INFINITY;
    List<double[]> incumbents = new ArrayList<>();
    Integer[] order = new Integer[x.length];
    for (int i = 0; i < x.length; i++) {
      order[i] = i;
    }
    double[] modelled = y;
    Arrays.sort(order, Comparator.comparingDouble(i -> modelled[i]));
    for (int i : order) {
      if (feasible.get(i)) {
        incumbent = Math.min(incumbent, objective.standardize(modelled[i]));
        if (incumbents.size() < INCUMBENTS) {
          incumbents.add(x[i]);
        }
      }
    }
    Model model = new Model(objective, constraintModels, incumbent, incumbents);
    MODELS.put(cacheKey, model);
    return model;
  }

  private double scalarize(Observation o, double[] weights, double[][] range) {
    if (weights == null) {
      return Best.loss(optimized.get(0), o);
    }
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (int m = 0; m < optimized.size(); m++) {
      double span = range[m][1] - range[m][0];
      double f = span > 0 ? (Best.loss(optimized.get(m), o) - range[m][0]) / span : 0;
      max = Math.max(max, weights[m] * f);
      sum += weights[m] * f;
    }
    return max + 0.05 * sum;
  }

  /**
   * z = log(y − min + δ), δ a tenth of the gap between the best and the median loss; the log
   * Jacobian Σ log dz/dy goes to {@code jacobian[0]} so evidences of warped and unwarped models
   * compare. Heavy-tailed losses (Rosenbrock, a diverging training run) get compressed, so a few
   * awful runs no longer flatten the model where it matters. Null when the losses are too few or
   * flat to warp.
   */
  static double[] logWarp(double[] y, double deltaFraction, double[] jacobian) {
    if (y.length < 4) {
      return null;
    }
    double[] sorted = y.clone();
    Arrays.sort(sorted);
    double min = sorted[0];
    double delta = deltaFraction * (sorted[sorted.length / 2] - min);
    if (!(delta > 0)) {
      return null;
    }
    double[] z = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      z[i] = Math.log(y[i] - min + delta);
      jacobian[0] -= z[i];
    }
    return z;
  }

  /** Missing values (failed runs) become the worst value seen; all missing becomes zero. */
  private static double[] impute(double[] v) {
    double worst = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      if (!Double.isNaN(d)) {
        worst = Math.max(worst, d);
      }
    }
    if (worst == Double.NEGATIVE_INFINITY) {
      worst = 0;
    }
    double[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      if (Double.isNaN(out[i])) {
        out[i] = worst;
      }
    }
    return out;
  }

  private record Model(
      Surrogate objective, Surrogate[] constraints, double incumbent, List<double[]> incumbents) {

    Posterior withPending(List<Map<String, Object>> pending, SpaceCodec codec) {
      List<double[]> px = new ArrayList<>();
      for (Map<String, Object> p : pending) {
        px.add(codec.encode(p));
      }
      GaussianProcess obj = objective.believe(px);
      GaussianProcess[] cons = new GaussianProcess[constraints.length];
      double[] limits = new double[constraints.length];
      for (int c = 0; c < constraints.length; c++) {
        cons[c] = constraints[c].believe(px);
        limits[c] = constraints[c].standardize(0);
      }
      // Believed values count as seen: improvement is measured against them too, so the next
      // suggestion gains nothing by sitting beside a pending one.
      double best = incumbent;
      for (double[] u : px) {
        boolean feasible = true;
        for (int c = 0; c < constraints.length; c++) {
          feasible &= cons[c].mean(u) <= limits[c];
        }
        if (feasible && Double.isFinite(incumbent)) {
          best = Math.min(best, obj.mean(u));
        }
      }
      return new Posterior(obj, cons, limits, best, px);
    }
  }

  /** Radius (unit cube) of the soft exclusion zone around each pending point. */
  private static final double PENDING_RADIUS = 0.05;

  private record Posterior(
      GaussianProcess objective,
      GaussianProcess[] constraints,
      double[] limits,
      double incumbent,
      List<double[]> pending) {

    double value(double[] u) {
      double a = 0;
      // Local penalization: a soft hole around each pending point keeps a batch spread out even
      // when the believed model is confident everywhere (a converged, smooth problem).
      for (double[] p : pending) {
        double d2 = 0;
        for (int j = 0; j < u.length; j++) {
          d2 += (u[j] - p[j]) * (u[j] - p[j]);
        }
        a += Math.log(-Math.expm1(-d2 / (2 * PENDING_RADIUS * PENDING_RADIUS)));
      }
      for (int c = 0; c < constraints.length; c++) {
        double[] p = constraints[c].predict(u);
        a += Acquisition.logPhi((limits[c] - p[0]) / Math.sqrt(p[1]));
      }
      if (Double.isFinite(incumbent)) {
        double[] p = objective.predict(u);
        double sd = Math.sqrt(p[1]);
        a += Acquisition.logExpectedImprovement(p[0], sd, incumbent);
      }
      return a;
    }
  }

  /** A GP on one standardized output, its data and its fitted hyperparameters. */
  private static final class Surrogate {
    final double[][] x;
    final double[] y;
    final double mean;
    final double scale;
    final GaussianProcess.Hyper hyper;
    final GaussianProcess gp;

    private Surrogate(
        double[][] x, double[] y, double mean, double scale, GaussianProcess.Hyper h) {
      this.x = x;
      this.y = y;
      this.mean = mean;
      this.scale = scale;
      this.hyper = h;
      this.gp = GaussianProcess.condition(x, y, h);
    }

    static Surrogate fit(double[][] x, double[] raw, UniformRandomProvider r) {
      double mean = Arrays.stream(raw).average().orElse(0);
      double var = 0;
      for (double v : raw) {
        var += (v - mean) * (v - mean);
      }
      double scale = Math.sqrt(var / Math.max(1, raw.length - 1));
      if (!(scale > 0)) {
        scale = 1;
      }
      double[] y = new double[raw.length];
      for (int i = 0; i < y.length; i++) {
        y[i] = (raw[i] - mean) / scale;
      }
      int[] keep = subset(y, POSTERIOR_CAP, r);
      double[][] px = pick(x, keep);
      double[] py = pick(y, keep);
      int[] fitKeep = subset(py, FIT_CAP, r);
      GaussianProcess.Hyper h =
          GaussianProcess.fit(
              pick(px, fitKeep), pick(py, fitKeep), r, 5, fitKeep.length <= 50 ? 2 : 1, 50);
      return new Surrogate(px, py, mean, scale, h);
    }

    /** log marginal likelihood of the raw (unstandardized) values under this model. */
    double evidence() {
      return gp.logMarginal() - y.length * Math.log(scale);
    }

    double standardize(double raw) {
      return (raw - mean) / scale;
    }

    /** The posterior with pending points believed at their predicted means. */
    GaussianProcess believe(List<double[]> pending) {
      if (pending.isEmpty()) {
        return gp;
      }
      double[][] bx = Arrays.copyOf(x, x.length + pending.size());
      double[] by = Arrays.copyOf(y, y.length + pending.size());
      GaussianProcess current = gp;
      for (int i = 0; i < pending.size(); i++) {
        bx[x.length + i] = pending.get(i);
        by[x.length + i] = current.mean(pending.get(i));
      }
      return GaussianProcess.condition(bx, by, hyper);
    }

    /**
     * All indices when within the cap; else the best half by value and a seeded sample of the rest.
     */
    private static int[] subset(double[] y, int cap, UniformRandomProvider r) {
      int n = y.length;
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      if (n <= cap) {
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
      }
      Arrays.sort(order, Comparator.comparingDouble(i -> y[i]));
      int best = cap / 2;
      int[] rest = new int[n - best];
      for (int i = best; i < n; i++) {
        rest[i - best] = order[i];
      }
      for (int i = rest.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = rest[i];
        rest[i] = rest[j];
        rest[j] = t;
      }
      int[] keep = new int[cap];
      for (int i = 0; i < best; i++) {
        keep[i] = order[i];
      }
      System.arraycopy(rest, 0, keep, best, cap - best);
      Arrays.sort(keep);
      return keep;
    }

    private static double[][] pick(double[][] a, int[] idx) {
      double[][] out = new double[idx.length][];
      for (int i = 0; i < idx.length; i++) {
        out[i] = a[idx[i]];
      }
      return out;
    }

    private static double[] pick(double[] a, int[] idx) {
      double[] out = new double[idx.length];
      for (int i = 0; i < idx.length; i++) {
        out[i] = a[idx[i]];
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- acquisition optimization

  private Map<String, Object> maximize(
      Posterior posterior, Model model, Set<String> taken, UniformRandomProvider r) {
    int d = codec.dimensions();
    List<double[]> candidates = new ArrayList<>();
    for (int i = 0; i < RANDOM_CANDIDATES; i++) {
      double[] u = new double[d];
      for (int j = 0; j < d; j++) {
        u[j] = r.nextDouble();
      }
      candidates.add(codec.snap(u));
    }
    ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(r);
    for (double[] inc : model.incumbents()) {
      for (int i = 0; i < LOCAL_CANDIDATES; i++) {
        double sd = i % 2 == 0 ? 0.02 : 0.1;
        double[] u = inc.clone();
        for (int j = 0; j < d; j++) {
          if (categorical[j]) {
            u[j] += r.nextDouble() < 0.1 ? r.nextDouble() : 0;
          } else if (r.nextDouble() < 0.7) {
            u[j] = Math.min(1, Math.max(0, u[j] + sd * gauss.sample()));
          }
        }
        candidates.add(codec.snap(u));
      }
    }
    double[] scores = new double[candidates.size()];
    Integer[] order = new Integer[candidates.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = posterior.value(candidates.get(i));
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(nanLow(scores[b]), nanLow(scores[a])));

    List<double[]> refined = new ArrayList<>();
    List<Double> refinedScores = new ArrayList<>();
    Set<String> starts = new HashSet<>();
    for (int i : order) {
      if (refined.size() >= REFINED) {
        break;
      }
      String key = codec.key(codec.decode(candidates.get(i)));
      if (taken.contains(key) || !starts.add(key)) {
        continue;
      }
      double[] u = refine(posterior, candidates.get(i));
      refined.add(u);
      refinedScores.add(posterior.value(u));
      refined.add(candidates.get(i));
      refinedScores.add(scores[i]);
    }
    double bestScore = Double.NEGATIVE_INFINITY;
    Map<String, Object> best = null;
    for (int i = 0; i < refined.size(); i++) {
      Map<String, Object> a = codec.decode(refined.get(i));
      if (!taken.contains(codec.key(a)) && nanLow(refinedScores.get(i)) > bestScore) {
        bestScore = nanLow(refinedScores.get(i));
        best = a;
      }
    }
    return best;
  }

  private static double nanLow(double v) {
    return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
  }

  /** Local refinement over the non-categorical coordinates, categories held fixed. */
  private double[] refine(Posterior posterior, double[] start) {
    int d = codec.dimensions();
    int[] free = java.util.stream.IntStream.range(0, d).filter(j -> !categorical[j]).toArray();
    if (free.length == 0) {
      return start;
    }
    double[] best = start.clone();
    double[] bestValue = {posterior.value(start)};
    MultivariateFunction f =
        z -> {
          double[] u = start.clone();
          for (int k = 0; k < free.length; k++) {
            u[free[k]] = z[k];
          }
          u = codec.snap(u);
          double v = nanLow(posterior.value(u));
          if (v > bestValue[0]) {
            bestValue[0] = v;
            System.arraycopy(u, 0, best, 0, d);
          }
          return v;
        };
    double[] z0 = new double[free.length];
    for (int k = 0; k < free.length; k++) {
      z0[k] = Math.min(0.999, Math.max(0.001, start[free[k]]));
    }
    try {
      if (free.length == 1) {
        double lo = Math.max(0, z0[0] - 0.2);
        double hi = Math.min(1, z0[0] + 0.2);
        new BrentOptimizer(1e-6, 1e-9)
            .optimize(
                new MaxEval(60),
                new UnivariateObjectiveFunction(v -> f.value(new double[] {v})),
                GoalType.MAXIMIZE,
                new SearchInterval(lo, hi, z0[0]));
      } else {
        double[] lo = new double[free.length];
        double[] hi = new double[free.length];
        Arrays.fill(hi, 1);
        new BOBYQAOptimizer(2 * free.length + 1, 0.05, 1e-4)
            .optimize(
                new MaxEval(20 * free.length + 40),
                new ObjectiveFunction(f),
                GoalType.MAXIMIZE,
                new InitialGuess(z0),
                new SimpleBounds(lo, hi));
      }
    } catch (MathIllegalStateException e) {
      // Out of evaluations, or BOBYQA stuck on a flat (snapped) region: keep the best seen.
    }
    return best;
  }
}
