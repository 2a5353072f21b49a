package dev.orchestra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.experiment.BestRuns;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.local.loop.ControlPlanePlan;
import dev.orchestra.local.moto.MotoUnavailableException;
import dev.orchestra.local.state.LocalState;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ExperimentConfig;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * {@code orchestra optimize}: runs an experiment to its end and prints the best result. With
 * nothing deployed (today: always) it runs on the local runtime, starting it when needed.
 */
@Command(
    name = "optimize",
    mixinStandardHelpOptions = true,
    description = {
      "Run an experiment to its end and print the best assignments.",
      "With --endpoint or a configured stack it is submitted to the deployed API",
      "and followed; otherwise it runs on the local runtime, started when needed.",
      "Progress goes to stderr."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra optimize -e examples/branin/experiment.yml",
      "  orchestra optimize -e experiment.yml -r run.yml --json",
      "  orchestra optimize -e experiment.yml --pool gpu-spot",
      "  orchestra optimize -e experiment.yml --endpoint \\",
      "      https://abc123.execute-api.us-east-1.amazonaws.com/prod/",
      "",
      "[running] done 4/12, failed 0, in flight 3, best {value=2.1} (branin-1f0c2d3e4a-r00002)",
      "experiment branin-1f0c2d3e4a (Branin): succeeded"
    })
public final class OptimizeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-e", "--experiment"},
      required = true,
      description = "experiment.yml")
  Path experiment;

  @Option(
      names = {"-r", "--run"},
      description = "run.yml (default: the one beside experiment.yml, or its embedded run:)")
  Path run;

  @picocli.CommandLine.Mixin ApiOptions api;

  @Option(
      names = "--cluster",
      description =
          "The cluster to run on (default: experiment.yml's cluster: or pool:, else the cluster"
              + " `orchestra cluster connect` connected last, else the built-in local).")
  String cluster;

  @Option(
      names = "--pool",
      description =
          "Run on this EC2 pool (`orchestra pool create`) instead of a cluster; not with"
              + " --cluster.")
  String pool;

  @Option(names = "--json", description = "Print one JSON document at the end.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (cluster != null && pool != null) {
      throw new UserError(
          "--cluster "
              + cluster
              + " and --pool "
              + pool
              + " both name a target; give one of them (--cluster for an EKS cluster,"
              + " --pool for an EC2 pool)");
    }
    String experimentText = read(experiment, "experiment.yml");
    Path runFile = run != null ? run : experiment.toAbsolutePath().getParent().resolve("run.yml");
    String runText = Files.isRegularFile(runFile) ? read(runFile, "run.yml") : null;
    if (run != null && runText == null) {
      throw new UserError(run + ": no such file; give the path of your run.yml");
    }
    Path workdir = runFile.toAbsolutePath().getParent();
    if (api.remote()) {
      return new RemoteOptimize(api.client(err), err, out, json)
          .run(experimentText, runText, cluster, pool);
    }

    OrchestraConfig config = localConfig(err);
    try (LoopContext ctx = new LoopContext(config)) {
      IntakeService.Result accepted =
          ctx.intake()
              .submit(
                  experimentText,
                  runText,
                  UUID.randomUUID().toString(),
                  target(experimentText),
                  workdir.toString(),
                  null);
      if (!accepted.accepted()) {
        for (Finding f : accepted.findings()) {
          err.printf(
              "%s%s: %s%n  fix: %s%n",
              f.file(), f.path().isEmpty() ? "" : " " + f.path(), f.problem(), f.fix());
        }
        err.flush();
        return 2;
      }
      String id = accepted.experimentId();
      err.println("experiment " + id + " accepted; runs go to the local runtime");
      err.flush();
      ExperimentRecord end = follow(ctx, id, err);
      List<RunRecord> runs =
          ctx.store().runs(id).stream().sorted(Comparator.comparingInt(RunRecord::number)).toList();
      List<BestRuns.Entry> best = BestRuns.of(end.plan(), runs);
      if (json) {
        out.println(JSON.writeValueAsString(document(end, best, runs)));
      } else {
        printSummary(out, end, best);
      }
      out.flush();
      return end.status() == ExperimentStatus.SUCCEEDED ? 0 : 1;
    }
  }

  /**
   * The target override given to intake: {@code --cluster} or {@code --pool}; else, when
   * experiment.yml names no {@code cluster:} or {@code pool:}, the cluster `cluster connect` made
   * the default; else none (experiment.yml's own field wins over the connected default).
   */
  String target(String experimentText) {
    if (cluster != null) {
      return "cluster/" + cluster;
    }
    if (pool != null) {
      return "pool/" + pool;
    }
    ExperimentConfig named = ConfigParser.parseExperiment("experiment.yml", experimentText).value();
    if (named != null && (named.cluster() != null || named.pool() != null)) {
      return null;
    }
    return dev.orchestra.cli.cluster.DefaultTarget.read().map(c -> "cluster/" + c).orElse(null);
  }

  private static String read(Path p, String what) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UserError(p + ": cannot read this " + what + " (" + e.getMessage() + ")");
    }
  }

  /** The local runtime's handler configuration, starting the runtime if it is not up. */
  public static OrchestraConfig localConfig(PrintWriter progress) throws IOException {
    TimeScale scale = LocalCommand.timeScale();
    LocalState state;
    try {
      state = LocalCommand.stack(progress).up(scale);
    } catch (MotoUnavailableException e) {
      throw new UserError("the AWS emulator did not start: " + e.getMessage(), 3);
    }
    LocalEnvironment env =
        new LocalEnvironment(
            state.region(),
            LocalEnvironment.ACCOUNT_ID,
            state.awsEndpoint(),
            state.kubernetesEndpoint(),
            TimeScale.parse(state.timeScale()));
    Map<String, String> values = new LinkedHashMap<>(env.baseConfig());
    values.putAll(new ControlPlanePlan().plan(env).config());
    return new OrchestraConfig(values);
  }

  private static ExperimentRecord follow(LoopContext ctx, String id, PrintWriter err) {
    String last = "";
    boolean away = false;
    while (true) {
      ExperimentRecord e;
      List<RunRecord> runs;
      try {
        e = ctx.store().experiment(id).orElseThrow(() -> new IllegalStateException("lost " + id));
        runs = ctx.store().runs(id);
      } catch (SdkClientException down) {
        // The runtime JVM died (moto and the experiment live on): wait for `local up`, whose new
        // runtime retries the runs that were in flight.
        if (!away) {
          err.println(
              "the local runtime is not answering; the experiment keeps its state in the emulator."
                  + " Restart the runtime with `orchestra local up` (waiting for it; Ctrl-C leaves"
                  + " the experiment running)");
          err.flush();
          away = true;
        }
        pause(id);
        continue;
      }
      if (away) {
        err.println("the local runtime answers again");
        away = false;
      }
      String line = progressLine(e, runs);
      if (!line.equals(last)) {
        err.println(line);
        err.flush();
        last = line;
      }
      if (e.status().isFinal()) {
        return e;
      }
      pause(id);
    }
  }

  private static void pause(String id) {
    try {
      Thread.sleep(250); // a progress display's refresh, not a wait for an outcome
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted; the experiment " + id + " keeps running", 130);
    }
  }

  static String progressLine(ExperimentRecord e, List<RunRecord> runs) {
    List<BestRuns.Entry> best = BestRuns.of(e.plan(), runs);
    long inFlight = runs.stream().filter(r -> !r.status().isFinal()).count();
    StringBuilder sb =
        new StringBuilder()
            .append("[")
            .append(e.status().wire())
            .append("] done ")
            .append(e.succeeded() + e.failed())
            .append("/")
            .append(e.plan().budget())
            .append(", failed ")
            .append(e.failed())
            .append(", in flight ")
            .append(inFlight);
    if (!best.isEmpty()) {
      sb.append(", best ").append(best.get(0).metrics()).append(" (").append(best.get(0).run());
      sb.append(")");
    }
    return sb.toString();
  }

  private static void printSummary(
      PrintWriter out, ExperimentRecord end, List<BestRuns.Entry> best) {
    out.println("experiment " + end.id() + " (" + end.name() + "): " + end.status().wire());
    out.println(
        "runs: " + end.succeeded() + " succeeded, " + end.failed() + " failed of " + end.issued());
    if (best.isEmpty()) {
      out.println("best: none (no run succeeded)");
    }
    for (BestRuns.Entry b : best) {
      out.println("best: " + b.run());
      b.assignments().forEach((k, v) -> out.println("  " + k + " = " + v));
      b.metrics().forEach((k, v) -> out.println("  -> " + k + " = " + v));
    }
  }

  private static ObjectNode document(
      ExperimentRecord end, List<BestRuns.Entry> best, List<RunRecord> runs) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("experiment", end.id());
    doc.put("name", end.name());
    doc.put("status", end.status().wire());
    doc.set("best", JSON.valueToTree(best));
    ArrayNode list = doc.putArray("runs");
    for (RunRecord r : runs) {
      ObjectNode n = list.addObject();
      n.put("id", r.runId());
      n.put("attempt", r.attempt());
      n.put("status", r.status().wire());
      n.set("assignments", JSON.valueToTree(r.assignments()));
      n.set(
          "metrics",
          r.status() == RunStatus.SUCCEEDED || r.metrics() != null
              ? JSON.valueToTree(r.metrics())
              : null);
      n.put("reason", r.reason());
    }
    return doc;
  }
}
