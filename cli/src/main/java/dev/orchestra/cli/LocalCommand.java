package dev.orchestra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.local.moto.MotoUnavailableException;
import dev.orchestra.local.state.LocalStack;
import dev.orchestra.local.state.LocalState;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code orchestra local up|down|status}: the embedded local runtime (moto + the runtime JVM) in
 * the background. State lives in {@code $ORCHESTRA_HOME/local} (default {@code
 * ~/.orchestra/local}).
 */
@Command(
    name = "local",
    description =
        "Start, stop or inspect the local runtime (AWS emulator + runtime) in the background.",
    mixinStandardHelpOptions = true,
    subcommands = {LocalCommand.Up.class, LocalCommand.Down.class, LocalCommand.Status.class})
public final class LocalCommand implements Runnable {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The time scale a runtime this command starts runs at: {@code ORCHESTRA_TIME_SCALE}, or the
   * system property {@code orchestra.time.scale} (for tests in one JVM, which cannot set an
   * environment variable).
   */
  static TimeScale timeScale() {
    try {
      return TimeScale.parse(
          System.getProperty("orchestra.time.scale", System.getenv(EnvVars.TIME_SCALE)));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  static LocalStack stack(PrintWriter out) {
    return new LocalStack(
        LocalStack.defaultHome(),
        line -> {
          out.println(line);
          out.flush();
        });
  }

  /** {@code local up}. */
  @Command(
      name = "up",
      description = "Start the local runtime, or re-attach to the one running; returns when ready.")
  static final class Up implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--json",
        description = "Print the status as JSON when ready (progress goes to stderr).")
    boolean json;

    @Override
    public Integer call() throws IOException {
      PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
      TimeScale scale = timeScale();
      LocalStack stack = stack(progress);
      try {
        stack.up(scale);
      } catch (MotoUnavailableException e) {
        throw new UserError("the AWS emulator did not start: " + e.getMessage(), 3);
      }
      if (json) {
        printStatus(stack.status(), spec.commandLine().getOut());
      }
      return 0;
    }
  }

  /** {@code local down}. */
  @Command(name = "down", description = "Stop the local runtime and the AWS emulator.")
  static final class Down implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      stack(spec.commandLine().getOut()).down();
      return 0;
    }
  }

  /** {@code local status}. */
  @Command(name = "status", description = "Show whether the local runtime runs, and its endpoints.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--json",
        description = "One JSON document: aws_endpoint, api_endpoint, region, pids, ports.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      LocalStack.Status status = stack(out).status();
      if (json) {
        printStatus(status, out);
      } else if (status.state() == null) {
        out.println("local runtime: not running (start it with `orchestra local up`)");
      } else {
        LocalState s = status.state();
        out.println(
            "local runtime: "
                + (status.running()
                    ? "running"
                    : "not running (stale state; run `orchestra local up`)"));
        out.println("  aws endpoint: " + s.awsEndpoint() + " (region " + s.region() + ")");
        out.println(
            "  moto:         pid "
                + s.motoPid()
                + ", port "
                + s.motoPort()
                + (status.motoAlive() ? "" : " (dead)"));
        out.println(
            "  runtime JVM:  pid " + s.runtimePid() + (status.runtimeAlive() ? "" : " (dead)"));
        out.println("  kubernetes:   " + s.kubernetesEndpoint());
        if (s.apiEndpoint() != null) {
          out.println("  api endpoint: " + s.apiEndpoint() + " (loopback, unsigned)");
        }
      }
      out.flush();
      return status.running() ? 0 : 1;
    }
  }

  static void printStatus(LocalStack.Status status, PrintWriter out) throws IOException {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("running", status.running());
    if (status.state() != null) {
      LocalState s = status.state();
      doc.put("aws_endpoint", s.awsEndpoint());
      doc.put("region", s.region());
      doc.put("moto_pid", s.motoPid());
      doc.put("runtime_pid", s.runtimePid());
      doc.put("moto_port", s.motoPort());
      doc.put("router_port", s.routerPort());
      doc.put("kubernetes_endpoint", s.kubernetesEndpoint());
      doc.put("api_endpoint", s.apiEndpoint());
      doc.put("moto_alive", status.motoAlive());
      doc.put("runtime_alive", status.runtimeAlive());
      doc.put("time_scale", s.timeScale());
      doc.put("started_at", s.startedAt());
    }
    out.println(JSON.writeValueAsString(doc));
    out.flush();
  }
}
