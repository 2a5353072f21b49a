package dev.orchestra.shared.search.bayes;

import org.apache.commons.rng.UniformRandomProvider;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * A zero-mean Gaussian process with a Matérn 5/2 kernel with one length scale per input (ARD), on
 * inputs in the unit cube and standardized outputs. Hyperparameters are fitted by maximizing the
 * log marginal likelihood plus weak log-normal priors (which keep tiny data sets from producing
 * absurd length scales), with analytic gradients, L-BFGS and restarts. Factorizations are EJML's
 * Cholesky.
 */
public final class GaussianProcess {
  private static final double SQRT5 = Math.sqrt(5);
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final double JITTER = 1e-8;

  static final double LOG_LS_MIN = Math.log(0.01);
  static final double LOG_LS_MAX = Math.log(20);
  static final double LOG_SIGNAL_MIN = Math.log(0.05);
  static final double LOG_SIGNAL_MAX = Math.log(20);
  static final double LOG_NOISE_MIN = Math.log(1e-6);
  static final double LOG_NOISE_MAX = Math.log(0.5);

  private static final double PRIOR_LS_MEAN = Math.log(1.0);
  private static final double PRIOR_LS_SD = 1.0;
  private static final double PRIOR_SIGNAL_SD = 1.5;
  private static final double PRIOR_NOISE_MEAN = Math.log(1e-4);
  private static final double PRIOR_NOISE_SD = 3.0;

  /** Kernel hyperparameters, all in log space. */
  public record Hyper(double[] logLengthscales, double logSignal, double logNoise) {
    double[] toArray() {
      double[] t = new double[logLengthscales.length + 2];
      System.arraycopy(logLengthscales, 0, t, 0, logLengthscales.length);
      t[logLengthscales.length] = logSignal;
      t[logLengthscales.length + 1] = logNoise;
      return t;
    }

    static Hyper of(double[] t) {
      int d = t.length - 2;
      double[] ls = new double[d];
      System.arraycopy(t, 0, ls, 0, d);
      return new Hyper(ls, t[d], t[d + 1]);
    }
  }

  private final double[][] x;
  private final Hyper hyper;
  private final double[] invLs;
  private final double signal;
  private final DMatrixRMaj lower;
  private final double[] alpha;
  private final double logMarginal;

  private GaussianProcess(
      double[][] x, Hyper hyper, DMatrixRMaj lower, double[] alpha, double logMarginal) {
    this.x = x;
    this.logMarginal = logMarginal;
    this.hyper = hyper;
    this.invLs = new double[hyper.logLengthscales().length];
    for (int d = 0; d < invLs.length; d++) {
      invLs[d] = Math.exp(-hyper.logLengthscales()[d]);
    }
    this.signal = Math.exp(hyper.logSignal());
    this.lower = lower;
    this.alpha = alpha;
  }

  public Hyper hyper() {
    return hyper;
  }

  /** log p(y | x, hyperparameters) of the conditioned data. */
  public double logMarginal() {
    return logMarginal;
  }

  /**
   * Fits hyperparameters: a deterministic default start and {@code starts} random ones are scored
   * by the (penalized) likelihood, and the best {@code refine} of them are refined with L-BFGS.
   */
  public static Hyper fit(
      double[][] x, double[] y, UniformRandomProvider rng, int starts, int refine, int iterations) {
    int d = x[0].length;
    Likelihood lik = new Likelihood(x, y);
    double[] lo = new double[d + 2];
    double[] hi = new double[d + 2];
    for (int i = 0; i < d; i++) {
      lo[i] = LOG_LS_MIN;
      hi[i] = LOG_LS_MAX;
    }
    lo[d] = LOG_SIGNAL_MIN;
    hi[d] = LOG_SIGNAL_MAX;
    lo[d + 1] = LOG_NOISE_MIN;
    hi[d + 1] = LOG_NOISE_MAX;

    double[][] inits = new double[starts + 1][];
    double[] scores = new double[starts + 1];
    for (int k = 0; k <= starts; k++) {
      double[] t = new double[d + 2];
      for (int i = 0; i < d; i++) {
        t[i] = k == 0 ? Math.log(0.3) : Math.log(0.05) + rng.nextDouble() * Math.log(40);
      }
      t[d] = k == 0 ? 0 : Math.log(0.3) + rng.nextDouble() * Math.log(10);
      t[d + 1] = k == 0 ? Math.log(1e-4) : Math.log(1e-6) + rng.nextDouble() * Math.log(1e4);
      inits[k] = t;
      scores[k] = lik.value(t, null);
    }
    Integer[] order = new Integer[starts + 1];
    for (int k = 0; k <= starts; k++) {
      order[k] = k;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(nanLast(scores[a]), nanLast(scores[b])));
    Lbfgs.Result best = null;
    for (int k = 0; k < Math.min(refine, starts + 1); k++) {
      Lbfgs.Result r = Lbfgs.minimize(lik::value, inits[order[k]], lo, hi, iterations);
      if (Double.isFinite(r.value()) && (best == null || r.value() < best.value())) {
        best = r;
      }
    }
    return Hyper.of(best == null ? inits[0] : best.x());
  }

  private static double nanLast(double v) {
    return Double.isFinite(v) ? v : Double.MAX_VALUE;
  }

  /** The posterior given data and fixed hyperparameters. */
  public static GaussianProcess condition(double[][] x, double[] y, Hyper hyper) {
    int n = x.length;
    double[] invLs = new double[hyper.logLengthscales().length];
    for (int d = 0; d < invLs.length; d++) {
      invLs[d] = Math.exp(-hyper.logLengthscales()[d]);
    }
    double s = Math.exp(hyper.logSignal());
    double noise = Math.exp(hyper.logNoise());
    for (double jitter = JITTER; ; jitter *= 100) {
      DMatrixRMaj k = new DMatrixRMaj(n, n);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
          double v = kernel(x[i], x[j], invLs, s);
          k.unsafe_set(i, j, v);
          k.unsafe_set(j, i, v);
        }
        k.unsafe_set(i, i, k.unsafe_get(i, i) + noise + jitter * s);
      }
      CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
      if (chol.decompose(k)) {
        DMatrixRMaj lower = chol.getT(null);
        double[] alpha = y.clone();
        TriangularSolver_DDRM.solveL(lower.data, alpha, n);
        double lml = -0.5 * n * LOG_2PI;
        for (int i = 0; i < n; i++) {
          lml -= 0.5 * alpha[i] * alpha[i] + Math.log(lower.unsafe_get(i, i));
        }
        TriangularSolver_DDRM.solveTranL(lower.data, alpha, n);
        return new GaussianProcess(x, hyper, lower, alpha, lml);
      }
      if (jitter > 1e-2) {
        throw new IllegalStateException("kernel matrix is not positive definite");
      }
    }
  }

  /** Posterior mean and latent variance at q: {mean, variance}. */
  public double[] predict(double[] q) {
    int n = x.length;
    double[] k = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      k[i] = kernel(q, x[i], invLs, signal);
      mean += k[i] * alpha[i];
    }
    TriangularSolver_DDRM.solveL(lower.data, k, n);
    double explained = 0;
    for (int i = 0; i < n; i++) {
      explained += k[i] * k[i];
    }
    return new double[] {mean, Math.max(1e-12 * signal, signal - explained)};
  }

  /** Posterior mean only (cheaper: no triangular solve). */
  public double mean(double[] q) {
    double mean = 0;
    for (int i = 0; i < x.length; i++) {
      mean += kernel(q, x[i], invLs, signal) * alpha[i];
    }
    return mean;
  }

  static double kernel(double[] a, double[] b, double[] invLs, double signal) {
    double r2 = 0;
    for (int d = 0; d < a.length; d++) {
      double z = (a[d] - b[d]) * invLs[d];
      r2 += z * z;
    }
    double r = Math.sqrt(r2);
    return signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * Math.exp(-SQRT5 * r);
  }

  /** Negative penalized log marginal likelihood and its gradient in log-hyperparameter space. */
  private static final class Likelihood {
    private final double[][] x;
    private final double[] y;
    private final int n;
    private final int d;
    private final double[][] diff2;

    Likelihood(double[][] x, double[] y) {
      this.x = x;
      this.y = y;
      this.n = x.length;
      this.d = x[0].length;
      this.diff2 = new double[d][n * (n - 1) / 2];
      int p = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
          for (int c = 0; c < d; c++) {
            double z = x[i][c] - x[j][c];
            diff2[c][p] = z * z;
          }
          p++;
        }
      }
    }

    double value(double[] t, double[] grad) {
      double[] inv2 = new double[d];
      for (int c = 0; c < d; c++) {
        inv2[c] = Math.exp(-2 * t[c]);
      }
      double s = Math.exp(t[d]);
      double noise = Math.exp(t[d + 1]);
      int pairs = n * (n - 1) / 2;
      double[] kv = new double[pairs];
      double[] cv = grad == null ? null : new double[pairs];
      DMatrixRMaj k = new DMatrixRMaj(n, n);
      int p = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
          double r2 = 0;
          for (int c = 0; c < d; c++) {
            r2 += diff2[c][p] * inv2[c];
          }
          double r = Math.sqrt(r2);
          double e = Math.exp(-SQRT5 * r);
          double v = s * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
          kv[p] = v;
          if (cv != null) {
            cv[p] = s * 5.0 / 3.0 * (1 + SQRT5 * r) * e;
          }
          k.unsafe_set(i, j, v);
          k.unsafe_set(j, i, v);
          p++;
        }
        k.unsafe_set(i, i, s + noise + JITTER * s);
      }
      CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
      if (!chol.decompose(k)) {
        return Double.POSITIVE_INFINITY;
      }
      DMatrixRMaj lower = chol.getT(null);
      double[] alpha = y.clone();
      TriangularSolver_DDRM.solveL(lower.data, alpha, n);
      double fit = 0;
      for (int i = 0; i < n; i++) {
        fit += alpha[i] * alpha[i];
      }
      TriangularSolver_DDRM.solveTranL(lower.data, alpha, n);
      double logDet = 0;
      for (int i = 0; i < n; i++) {
        logDet += Math.log(lower.unsafe_get(i, i));
      }
      double nll = 0.5 * fit + logDet + 0.5 * n * LOG_2PI;
      // Priors (negative log densities up to constants).
      for (int c = 0; c < d; c++) {
        double z = (t[c] - PRIOR_LS_MEAN) / PRIOR_LS_SD;
        nll += 0.5 * z * z;
      }
      double zs = t[d] / PRIOR_SIGNAL_SD;
      double zn = (t[d + 1] - PRIOR_NOISE_MEAN) / PRIOR_NOISE_SD;
      nll += 0.5 * zs * zs + 0.5 * zn * zn;
      if (grad == null) {
        return nll;
      }
      // W = K⁻¹ − ααᵀ; ∂nll/∂θ = ½ tr(W ∂K/∂θ).
      DMatrixRMaj linv = lower.copy();
      TriangularSolver_DDRM.invertLower(linv.data, n);
      DMatrixRMaj kinv = new DMatrixRMaj(n, n);
      CommonOps_DDRM.multTransA(linv, linv, kinv);
      java.util.Arrays.fill(grad, 0);
      double gs = 0;
      double trace = 0;
      for (int i = 0; i < n; i++) {
        double wii = kinv.unsafe_get(i, i) - alpha[i] * alpha[i];
        trace += wii;
        gs += 0.5 * wii * s;
      }
      p = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
          double w = kinv.unsafe_get(i, j) - alpha[i] * alpha[j];
          gs += w * kv[p];
          double wc = w * cv[p];
          for (int c = 0; c < d; c++) {
            grad[c] += wc * diff2[c][p];
          }
          p++;
        }
      }
      for (int c = 0; c < d; c++) {
        // Off-diagonal pairs count twice in the trace, the ½ cancels.
        grad[c] *= inv2[c];
        grad[c] += (t[c] - PRIOR_LS_MEAN) / (PRIOR_LS_SD * PRIOR_LS_SD);
      }
      grad[d] = gs + t[d] / (PRIOR_SIGNAL_SD * PRIOR_SIGNAL_SD);
      grad[d + 1] =
          0.5 * trace * noise + (t[d + 1] - PRIOR_NOISE_MEAN) / (PRIOR_NOISE_SD * PRIOR_NOISE_SD);
      return nll;
    }
  }
}
