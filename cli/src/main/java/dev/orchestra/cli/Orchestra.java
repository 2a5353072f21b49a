package dev.orchestra.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code orchestra} command. Subcommands stay light: no application context at start-up. */
@Command(
    name = "orchestra",
    mixinStandardHelpOptions = true,
    versionProvider = Orchestra.Version.class,
    description = "Hyperparameter-optimization experiments on your own AWS GPUs.",
    subcommands = {
      CommandLine.HelpCommand.class,
      ValidateCommand.class,
      LocalCommand.class,
      OptimizeCommand.class,
      dev.orchestra.cli.cluster.ClusterCommand.class,
      dev.orchestra.cli.bench.BenchCommand.class
    })
public final class Orchestra implements Runnable {

  public static void main(String[] args) {
    // The handlers the CLI runs in-process (intake) log at info for Lambda; a terminal wants quiet.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(newCommandLine().execute(args));
  }

  /** The configured command line, for main and for tests. */
  public static CommandLine newCommandLine() {
    CommandLine cl = new CommandLine(new Orchestra());
    cl.setExecutionExceptionHandler(new Errors());
    return cl;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Orchestra.class.getPackage().getImplementationVersion();
      return new String[] {"orchestra " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }

  /** A user's mistake is a message and exit 2; anything else is our bug and says so. */
  static final class Errors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
      if (ex instanceof UserError ue) {
        cl.getErr().println("error: " + ue.getMessage());
        return ue.exitCode();
      }
      cl.getErr().println("internal error: " + ex);
      cl.getErr().println("This is a bug in Orchestra; please report it with the command you ran.");
      return 70;
    }
  }
}
