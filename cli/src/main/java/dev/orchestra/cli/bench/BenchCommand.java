package dev.orchestra.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code orchestra bench}: benchmarks that are not tests (they measure, they do not assert). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (measurements, not tests).",
    subcommands = {OptimizerBenchCommand.class, SuggestBenchCommand.class})
public final class BenchCommand implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
