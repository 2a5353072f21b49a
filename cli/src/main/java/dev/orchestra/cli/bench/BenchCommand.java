package dev.orchestra.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code orchestra bench}: benchmarks that measure, not tests that assert. Each subcommand prints
 * its figures so they can be recorded.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure Orchestra's own speed (benchmarks, not tests).",
    subcommands = {
      ValidateBench.class,
      OptimizerBenchCommand.class,
      SuggestBenchCommand.class,
      LoopBench.class,
      ApiBench.class
    })
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
