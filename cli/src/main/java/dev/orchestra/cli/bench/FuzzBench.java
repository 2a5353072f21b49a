package dev.orchestra.cli.bench;

import dev.orchestra.cli.UserError;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code orchestra bench fuzz}: a hostile-input campaign ({@link HostileInput}) against the YAML
 * parsers and the results-message decoding, for a fixed time. Exits 1 when any input broke the
 * rules, printing its target, seed and problem (the seed reproduces it).
 */
@Command(
    name = "fuzz",
    mixinStandardHelpOptions = true,
    description = {
      "Fuzz the YAML parsers and the results-message decoding for a fixed time.",
      "Every input must give a model, findings or a rejection within 1 s: never an exception,",
      "an OutOfMemoryError or a hang. Prints inputs checked, the slowest, and every failure."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  orchestra bench fuzz --seconds 60", "  orchestra bench fuzz --seed 1000000"})
public final class FuzzBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--seconds",
      defaultValue = "60",
      description = "how long to run (default: ${DEFAULT-VALUE})")
  long seconds;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "the first seed; inputs use seed, seed + 1, ... (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    if (seconds < 1) {
      throw new UserError("--seconds must be 1 or more");
    }
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    HostileInput.Campaign c =
        new HostileInput().run(seed, Duration.ofSeconds(seconds), Long.MAX_VALUE);
    double took = (System.nanoTime() - start) / 1e9;
    Runtime rt = Runtime.getRuntime();
    out.printf(
        Locale.ROOT,
        "fuzz: %d inputs in %.1f s (%.0f/s) from seed %d, slowest %d ms CPU (%d ms wall), heap used"
            + " %d MiB of max %d MiB, failures %d%n",
        c.inputs(),
        took,
        c.inputs() / took,
        seed,
        c.slowestCpu().toMillis(),
        c.slowest().toMillis(),
        (rt.totalMemory() - rt.freeMemory()) >> 20,
        rt.maxMemory() >> 20,
        c.failures().size());
    for (HostileInput.Failure f : c.failures()) {
      out.printf(
          Locale.ROOT,
          "  %s seed %d: %s (input %d chars: %s)%n",
          f.target(),
          f.seed(),
          f.problem(),
          f.input().length(),
          f.input().length() > 200 ? f.input().substring(0, 200) + "..." : f.input());
    }
    out.flush();
    return c.failures().isEmpty() ? 0 : 1;
  }
}
