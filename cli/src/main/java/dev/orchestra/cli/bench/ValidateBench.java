package dev.orchestra.cli.bench;

import dev.orchestra.cli.UserError;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code orchestra bench validate}: runs {@code ./orchestra validate FILE} as a fresh process N
 * times, JVM start included, and prints the median and 90th percentile wall time.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Time './orchestra validate FILE' as fresh processes (JVM start included).",
      "Prints the median and p90 wall time; the target is 1.0 s or less."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra bench validate",
      "  orchestra bench validate --runs 20 examples/sigopt/experiment.yml"
    })
public final class ValidateBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--runs",
      defaultValue = "10",
      description = "timed runs (default: ${DEFAULT-VALUE})")
  int runs;

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description = "untimed runs first, e.g. to build (default: ${DEFAULT-VALUE})")
  int warmup;

  @Parameters(
      paramLabel = "FILE",
      arity = "0..1",
      description = "the file to validate (default: examples/sigopt/experiment.yml)")
  Path file;

  @Override
  public Integer call() throws Exception {
    if (runs < 1) {
      throw new UserError("--runs must be 1 or more");
    }
    Path home = Path.of(System.getProperty("orchestra.home", "."));
    Path script = home.resolve("orchestra");
    if (!Files.isExecutable(script)) {
      throw new UserError(
          "cannot find the orchestra script at " + script + "; run this from the repository");
    }
    Path target = file != null ? file : home.resolve("examples/sigopt/experiment.yml");
    if (!Files.isRegularFile(target)) {
      throw new UserError("no such file: " + target);
    }
    PrintWriter out = spec.commandLine().getOut();
    for (int i = 0; i < warmup; i++) {
      runOnce(script, target);
    }
    List<Double> seconds = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      seconds.add(runOnce(script, target));
    }
    Collections.sort(seconds);
    out.printf(
        Locale.ROOT,
        "orchestra validate %s: %d runs, median %.3f s, p90 %.3f s, min %.3f s, max %.3f s"
            + " (target <= 1.0 s)%n",
        target,
        runs,
        percentile(seconds, 50),
        percentile(seconds, 90),
        seconds.get(0),
        seconds.get(seconds.size() - 1));
    out.flush();
    return 0;
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  private static double runOnce(Path script, Path target) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(script.toString(), "validate", target.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    long start = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new UserError("orchestra validate did not finish within 120 s", 1);
    }
    long elapsed = System.nanoTime() - start;
    if (p.exitValue() > 1) {
      throw new UserError(
          "orchestra validate exited with " + p.exitValue() + "; run it by hand to see why", 1);
    }
    return elapsed / 1e9;
  }
}
