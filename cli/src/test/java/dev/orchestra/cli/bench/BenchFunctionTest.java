package dev.orchestra.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchFunctionTest {
  private static Map<String, Object> xs(double... v) {
    Map<String, Object> a = new HashMap<>();
    for (int i = 0; i < v.length; i++) {
      a.put("x" + i, v[i]);
    }
    return a;
  }

  @Test
  void optimum_isAttainedAtTheDocumentedMinimizers() {
    assertThat(BenchFunction.branin().value(xs(Math.PI, 2.275))).isCloseTo(0.397887, within(1e-6));
    assertThat(
            BenchFunction.hartmann6()
                .value(xs(0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)))
        .isCloseTo(-3.32237, within(1e-5));
    assertThat(BenchFunction.rosenbrock4().value(xs(1, 1, 1, 1))).isZero();
    assertThat(BenchFunction.ackley5().value(xs(0, 0, 0, 0, 0))).isCloseTo(0, within(1e-12));
    assertThat(BenchFunction.levy4().value(xs(1, 1, 1, 1))).isCloseTo(0, within(1e-12));
    assertThat(
            BenchFunction.mixed()
                .value(Map.of("x", 1.0, "lr", 0.01, "layers", 6L, "optimizer", "adam")))
        .isCloseTo(0, within(1e-12));
    assertThat(
            BenchFunction.mixed()
                .value(Map.of("x", 1.0, "lr", 0.01, "layers", 7L, "optimizer", "adam")))
        .isPositive();
  }

  @Test
  void pWorse_isSmallOnlyWhenBayesianIsClearlyWorse() {
    double[] low = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double[] high = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    assertThat(OptimizerBenchCommand.pWorse(high, low)).isLessThan(0.01);
    assertThat(OptimizerBenchCommand.pWorse(low, high)).isGreaterThan(0.99);
  }
}
