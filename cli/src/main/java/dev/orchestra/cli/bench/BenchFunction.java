package dev.orchestra.cli.bench;

import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A benchmark objective to minimize, its search space, its known optimum, and the regret counted as
 * "reached" for evaluations-to-target.
 */
record BenchFunction(
    String name,
    List<Parameter> parameters,
    double optimum,
    double target,
    ToDoubleFunction<Map<String, Object>> f) {

  double value(Map<String, Object> a) {
    return f.applyAsDouble(a);
  }

  static List<BenchFunction> all() {
    return List.of(branin(), hartmann6(), rosenbrock4(), ackley5(), levy4(), mixed());
  }

  static BenchFunction byName(String name) {
    return all().stream()
        .filter(b -> b.name().equalsIgnoreCase(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no benchmark function " + name));
  }

  private static Parameter dbl(String name, double min, double max) {
    return new Parameter(name, ParameterType.DOUBLE, min, max, false, List.of(), List.of());
  }

  private static List<Parameter> box(int d, double min, double max) {
    List<Parameter> ps = new ArrayList<>();
    for (int i = 0; i < d; i++) {
      ps.add(dbl("x" + i, min, max));
    }
    return ps;
  }

  private static double[] xs(Map<String, Object> a, int d) {
    double[] x = new double[d];
    for (int i = 0; i < d; i++) {
      x[i] = ((Number) a.get("x" + i)).doubleValue();
    }
    return x;
  }

  /** Branin on [−5, 10] × [0, 15]; three global minima of 0.397887. */
  static BenchFunction branin() {
    return new BenchFunction(
        "branin",
        List.of(dbl("x0", -5, 10), dbl("x1", 0, 15)),
        0.397887357729739,
        0.01,
        a -> {
          double[] x = xs(a, 2);
          double b = 5.1 / (4 * Math.PI * Math.PI);
          double c = 5 / Math.PI;
          double t = 1 / (8 * Math.PI);
          double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
          return u * u + 10 * (1 - t) * Math.cos(x[0]) + 10;
        });
  }

  private static final double[][] H6_A = {
    {10, 3, 17, 3.5, 1.7, 8},
    {0.05, 10, 17, 0.1, 8, 14},
    {3, 3.5, 1.7, 10, 17, 8},
    {17, 8, 0.05, 10, 0.1, 14}
  };
  private static final double[][] H6_P = {
    {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
    {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
    {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
    {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}
  };
  private static final double[] H6_ALPHA = {1.0, 1.2, 3.0, 3.2};

  /** Hartmann 6-d on [0, 1]⁶; global minimum −3.32237. */
  static BenchFunction hartmann6() {
    return new BenchFunction(
        "hartmann6",
        box(6, 0, 1),
        -3.32236801141551,
        0.1,
        a -> {
          double[] x = xs(a, 6);
          double s = 0;
          for (int i = 0; i < 4; i++) {
            double e = 0;
            for (int j = 0; j < 6; j++) {
              double z = x[j] - H6_P[i][j];
              e += H6_A[i][j] * z * z;
            }
            s += H6_ALPHA[i] * Math.exp(-e);
          }
          return -s;
        });
  }

  /** Rosenbrock 4-d on [−5, 10]⁴; minimum 0 at (1, 1, 1, 1). */
  static BenchFunction rosenbrock4() {
    return new BenchFunction(
        "rosenbrock4",
        box(4, -5, 10),
        0,
        5,
        a -> {
          double[] x = xs(a, 4);
          double s = 0;
          for (int i = 0; i < 3; i++) {
            double u = x[i + 1] - x[i] * x[i];
            s += 100 * u * u + (x[i] - 1) * (x[i] - 1);
          }
          return s;
        });
  }

  /** Ackley 5-d on [−32.768, 32.768]⁵; minimum 0 at the origin. */
  static BenchFunction ackley5() {
    return new BenchFunction(
        "ackley5",
        box(5, -32.768, 32.768),
        0,
        2,
        a -> {
          double[] x = xs(a, 5);
          double sq = 0;
          double cos = 0;
          for (double v : x) {
            sq += v * v;
            cos += Math.cos(2 * Math.PI * v);
          }
          return -20 * Math.exp(-0.2 * Math.sqrt(sq / 5)) - Math.exp(cos / 5) + 20 + Math.E;
        });
  }

  /** Levy 4-d on [−10, 10]⁴; minimum 0 at (1, 1, 1, 1). */
  static BenchFunction levy4() {
    return new BenchFunction(
        "levy4",
        box(4, -10, 10),
        0,
        0.5,
        a -> {
          double[] x = xs(a, 4);
          double[] w = new double[4];
          for (int i = 0; i < 4; i++) {
            w[i] = 1 + (x[i] - 1) / 4;
          }
          double s = Math.pow(Math.sin(Math.PI * w[0]), 2);
          for (int i = 0; i < 3; i++) {
            s += (w[i] - 1) * (w[i] - 1) * (1 + 10 * Math.pow(Math.sin(Math.PI * w[i] + 1), 2));
          }
          s += (w[3] - 1) * (w[3] - 1) * (1 + Math.pow(Math.sin(2 * Math.PI * w[3]), 2));
          return s;
        });
  }

  private static final List<String> OPTIMIZERS = List.of("adam", "sgd", "rmsprop", "adagrad");
  private static final double[] OPTIMIZER_OFFSET = {0, 0.5, 0.25, 1.0};

  /**
   * A mixed space shaped like a training job: x double in [−3, 3], lr double in [1e-4, 1] (log),
   * layers int in [1, 16], optimizer in {adam, sgd, rmsprop, adagrad}.
   *
   * <p>f = (x − 1)² + 0.3·(x − 1)·(layers − 6)/4 + ((layers − 6)/4)² + (log10 lr + 2)²/4 +
   * offset(optimizer), offsets adam 0, sgd 0.5, rmsprop 0.25, adagrad 1. The quadratic form in (x −
   * 1, (layers − 6)/4) is positive definite, so the unique minimum is 0 at x = 1, lr = 0.01, layers
   * = 6, optimizer = adam.
   */
  static BenchFunction mixed() {
    return new BenchFunction(
        "mixed",
        List.of(
            dbl("x", -3, 3),
            new Parameter("lr", ParameterType.DOUBLE, 1e-4, 1.0, true, List.of(), List.of()),
            new Parameter("layers", ParameterType.INT, 1.0, 16.0, false, List.of(), List.of()),
            new Parameter(
                "optimizer", ParameterType.CATEGORICAL, null, null, false, OPTIMIZERS, List.of())),
        0,
        0.05,
        a -> {
          double x = ((Number) a.get("x")).doubleValue() - 1;
          double lr = Math.log10(((Number) a.get("lr")).doubleValue()) + 2;
          double k = (((Number) a.get("layers")).longValue() - 6) / 4.0;
          double off = OPTIMIZER_OFFSET[OPTIMIZERS.indexOf((String) a.get("optimizer"))];
          return x * x + 0.3 * x * k + k * k + lr * lr / 4 + off;
        });
  }
}
