package dev.orchestra.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code orchestra} command. Subcommands stay light: no application context at start-up. */
@Command(
    name = "orchestra",
    mixinStandardHelpOptions = true,
    versionProvider = Orchestra.Version.class,
    description = "Hyperparameter-optimization experiments on your own AWS GPUs.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra init my-experiment && cd my-experiment",
      "  orchestra optimize -e experiment.yml",
      "  orchestra experiments",
      "  orchestra status <id>; orchestra runs <id>; orchestra logs <id>-r00001",
      "",
      "Target: --local | --endpoint URL | the stack `orchestra configure` saved |",
      "the local runtime (started when needed). Requests to a deployed stack are",
      "SigV4-signed with the AWS CLI's credentials, profile (--profile,",
      "AWS_PROFILE) and region.",
      "",
      "Exit codes:",
      "  0   ok",
      "  1   the thing failed (the experiment failed, a file is invalid)",
      "  2   a user or configuration error (bad option or file, unknown id)",
      "  3   an environment problem (endpoint unreachable, no credentials,",
      "      the emulator did not start)",
      "  70  a bug in Orchestra (please report it)",
      "  130 interrupted"
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      InitCommand.class,
      ValidateCommand.class,
      LocalCommand.class,
      OptimizeCommand.class,
      ApiCommands.Experiments.class,
      ApiCommands.Status.class,
      ApiCommands.Runs.class,
      ApiCommands.Best.class,
      ApiCommands.Stop.class,
      ApiCommands.Logs.class,
      ApiCommands.Report.class,
      ConfigureCommand.class,
      dev.orchestra.cli.cluster.ClusterCommand.class,
      dev.orchestra.cli.pool.PoolCommand.class,
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

  /** The version from the build ({@code version.properties}, filtered by Maven). */
  public static String version() {
    java.util.Properties p = new java.util.Properties();
    try (java.io.InputStream in = Orchestra.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (java.io.IOException e) {
      // unreadable resource: report unknown below
    }
    String v = p.getProperty("version");
    return v == null || v.startsWith("${") ? "unknown (not built by Maven)" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"orchestra " + version()};
    }
  }

  /** A user's mistake is a message and exit 2; anything else is our bug and says so. */
  static final class Errors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
      if (ex instanceof UserError ue) {
        cl.getErr().println("error: " + ue.getMessage());
        ue.details().forEach(cl.getErr()::println);
        cl.getErr().flush();
        return ue.exitCode();
      }
      cl.getErr().println("internal error: " + ex);
      cl.getErr().println("This is a bug in Orchestra; please report it with the command you ran.");
      return 70;
    }
  }
}
