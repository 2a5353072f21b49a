package dev.orchestra.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the templates land. */
@Command(name = "init", mixinStandardHelpOptions = true, description = "Write templates.")
final class InitCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("not yet");
  }
}
