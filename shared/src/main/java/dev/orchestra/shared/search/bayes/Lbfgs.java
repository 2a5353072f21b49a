package dev.orchestra.shared.search.bayes;

/**
 * Limited-memory BFGS with box bounds by projection and a backtracking Armijo line search: the
 * hyperparameter fit's minimizer. Commons Math 3 offers no quasi-Newton method, and its nonlinear
 * conjugate gradient spends many evaluations in its Brent line search; a likelihood evaluation
 * costs a Cholesky factorization, so evaluations are what to save.
 */
final class Lbfgs {
  /** f(x), writing ∇f(x) into grad; +∞ when x is unusable. */
  interface Function {
    double value(double[] x, double[] grad);
  }

  record Result(double[] x, double value) {}

  private Lbfgs() {}

  static Result minimize(Function f, double[] x0, double[] lo, double[] hi, int maxIterations) {
    int n = x0.length;
    int memory = 6;
    double[][] s = new double[memory][];
    double[][] y = new double[memory][];
    double[] rho = new double[memory];
    int stored = 0;
    int head = 0;
    double[] x = clamp(x0.clone(), lo, hi);
    double[] g = new double[n];
    double fx = f.value(x, g);
    if (!Double.isFinite(fx)) {
      return new Result(x, fx);
    }
    for (int iter = 0; iter < maxIterations; iter++) {
      double[] p = direction(g, s, y, rho, stored, head, memory);
      double slope = dot(g, p);
      if (!(slope < 0)) {
        for (int i = 0; i < n; i++) {
          p[i] = -g[i];
        }
        slope = dot(g, p);
        stored = 0;
      }
      double t = iter == 0 && stored == 0 ? Math.min(1, 1 / Math.max(1e-12, norm(g))) : 1;
      double[] xn = null;
      double[] gn = new double[n];
      double fn = Double.NaN;
      boolean accepted = false;
      for (int k = 0; k < 20; k++) {
        xn = new double[n];
        for (int i = 0; i < n; i++) {
          xn[i] = x[i] + t * p[i];
        }
        clamp(xn, lo, hi);
        double decrease = 0;
        for (int i = 0; i < n; i++) {
          decrease += g[i] * (xn[i] - x[i]);
        }
        fn = f.value(xn, gn);
        if (Double.isFinite(fn) && fn <= fx + 1e-4 * Math.min(decrease, 0)) {
          accepted = true;
          break;
        }
        t *= 0.5;
      }
      if (!accepted) {
        break;
      }
      double[] sk = new double[n];
      double[] yk = new double[n];
      for (int i = 0; i < n; i++) {
        sk[i] = xn[i] - x[i];
        yk[i] = gn[i] - g[i];
      }
      double sy = dot(sk, yk);
      if (sy > 1e-10) {
        s[head] = sk;
        y[head] = yk;
        rho[head] = 1 / sy;
        head = (head + 1) % memory;
        stored = Math.min(memory, stored + 1);
      }
      double change = fx - fn;
      x = xn;
      g = gn;
      fx = fn;
      if (change < 1e-8 * (1 + Math.abs(fx)) || projectedGradientNorm(x, g, lo, hi) < 1e-5) {
        break;
      }
    }
    return new Result(x, fx);
  }

  private static double[] direction(
      double[] g, double[][] s, double[][] y, double[] rho, int stored, int head, int memory) {
    double[] q = g.clone();
    double[] alpha = new double[memory];
    for (int k = 0; k < stored; k++) {
      int i = Math.floorMod(head - 1 - k, memory);
      alpha[i] = rho[i] * dot(s[i], q);
      axpy(-alpha[i], y[i], q);
    }
    if (stored > 0) {
      int last = Math.floorMod(head - 1, memory);
      double gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
      for (int i = 0; i < q.length; i++) {
        q[i] *= gamma;
      }
    }
    for (int k = stored - 1; k >= 0; k--) {
      int i = Math.floorMod(head - 1 - k, memory);
      double beta = rho[i] * dot(y[i], q);
      axpy(alpha[i] - beta, s[i], q);
    }
    for (int i = 0; i < q.length; i++) {
      q[i] = -q[i];
    }
    return q;
  }

  private static double projectedGradientNorm(double[] x, double[] g, double[] lo, double[] hi) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      double gi = g[i];
      if ((x[i] <= lo[i] && gi > 0) || (x[i] >= hi[i] && gi < 0)) {
        gi = 0;
      }
      sum += gi * gi;
    }
    return Math.sqrt(sum);
  }

  private static double[] clamp(double[] x, double[] lo, double[] hi) {
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.min(hi[i], Math.max(lo[i], x[i]));
    }
    return x;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  private static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }
}
