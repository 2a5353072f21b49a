package dev.orchestra.shared.search.bayes;

import org.apache.commons.math3.special.Erf;

/** Numerically safe pieces of the acquisition: log expected improvement and log Φ. */
public final class Acquisition {
  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

  private Acquisition() {}

  /**
   * log EI for minimization: log E[max(best − f, 0)] with f ~ N(mean, sd²). Stays finite and
   * informative far from the incumbent, where plain EI underflows to a flat zero (Ament et al.,
   * "Unexpected improvements to expected improvement", 2023).
   */
  public static double logExpectedImprovement(double mean, double sd, double best) {
    double z = (best - mean) / sd;
    return Math.log(sd) + logH(z);
  }

  /** log(φ(z) + zΦ(z)). */
  static double logH(double z) {
    if (z > -5) {
      double phi = Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
      double cdf = 0.5 * Erf.erfc(-z / Math.sqrt(2));
      return Math.log(phi + z * cdf);
    }
    // Asymptotic series: φ(z)/z² · (1 − 3/z² + 15/z⁴ − 105/z⁶).
    double z2 = z * z;
    return -0.5 * z2
        - LOG_SQRT_2PI
        - Math.log(z2)
        + Math.log1p(-3 / z2 + 15 / (z2 * z2) - 105 / (z2 * z2 * z2));
  }

  /** log Φ(z), the log probability that a standard normal is below z. */
  public static double logPhi(double z) {
    if (z > -20) {
      return Math.log(0.5 * Erf.erfc(-z / Math.sqrt(2)));
    }
    return -0.5 * z * z - LOG_SQRT_2PI - Math.log(-z);
  }
}
