package dev.orchestra.local;

import dev.orchestra.local.testing.HeadlessChromium;
import dev.orchestra.local.testing.ReportPage;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.report.ReportInput;
import dev.orchestra.shared.report.ReportRenderer;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the report scales: renders reports of 10, 1,000 and 10,000 runs (two parameters, one metric,
 * 5% failed), times the renderer (first and warm) and headless Chromium drawing every chart, and
 * prints sizes and the load average. Not part of the suite; run with {@code mvn -B -q -pl local -am
 * test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=ReportScaleBenchmark -Dorchestra.bench=true}
 * and read local/target/surefire-reports/dev.orchestra.local.ReportScaleBenchmark-output.txt.
 */
@EnabledIfSystemProperty(named = "orchestra.bench", matches = "true")
class ReportScaleBenchmark {

  static ReportInput experiment(int runs) {
    Random random = new Random(7);
    List<ReportInput.Run> list = new ArrayList<>();
    for (int n = 1; n <= runs; n++) {
      Map<String, Object> assignments =
          Map.of("x", random.nextDouble(), "lr", Math.pow(10, -5 + 4 * random.nextDouble()));
      list.add(
          n % 20 == 0
              ? new ReportInput.Run("b-r" + n, n, RunStatus.FAILED, 1, assignments, null, "exit 1")
              : new ReportInput.Run(
                  "b-r" + n,
                  n,
                  RunStatus.SUCCEEDED,
                  1,
                  assignments,
                  Map.of("loss", random.nextDouble()),
                  null));
    }
    return new ReportInput(
        "bench",
        "bench",
        ExperimentStatus.SUCCEEDED,
        null,
        List.of(new Metric("loss", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null)),
        List.of(
            new Parameter("x", ParameterType.DOUBLE, 0.0, 1.0, false, null, null),
            new Parameter("lr", ParameterType.DOUBLE, 1e-5, 1e-1, true, null, null)),
        list,
        List.of("b-r1"),
        Instant.now());
  }

  @Test
  void renderAndDraw_10_1000_10000Runs(@TempDir Path dir) throws Exception {
    HeadlessChromium chromium = HeadlessChromium.require(dir.resolve("chromium"));
    for (int runs : new int[] {10, 1_000, 10_000}) {
      ReportInput in = experiment(runs);
      long t0 = System.nanoTime();
      String html = ReportRenderer.render(in);
      long first = System.nanoTime() - t0;
      long t1 = System.nanoTime();
      for (int i = 0; i < 3; i++) {
        html = ReportRenderer.render(in);
      }
      long warm = (System.nanoTime() - t1) / 3;
      Path page = dir.resolve("report-" + runs + ".html");
      Files.writeString(page, html);
      long t2 = System.nanoTime();
      HeadlessChromium.Run run = chromium.dumpDom(page);
      long draw = System.nanoTime() - t2;
      new ReportPage(run.stdout())
          .assertEveryChartDrew(
              List.of("chart-progress", "chart-param-0", "chart-param-1", "chart-parallel"));
      System.out.printf(
          "runs=%d size=%d bytes render first=%d ms warm=%d ms chromium (start to every chart"
              + " drawn, DOM dumped)=%d ms load=%.1f%n",
          runs,
          html.getBytes(StandardCharsets.UTF_8).length,
          first / 1_000_000,
          warm / 1_000_000,
          draw / 1_000_000,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }
}
