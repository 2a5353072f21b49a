package dev.orchestra.cli.bench;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.StoreCounters;
import dev.orchestra.local.LocalAwsClients;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.loop.ControlPlanePlan;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.router.CallStats;
import dev.orchestra.local.router.CatalogFunctionResolver;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

/**
 * {@code orchestra bench loop}: the experiment loop's own cost, measured on an in-process local
 * runtime: orchestration overhead per run at bandwidth 4 against the same processes run bare, the
 * emulator's floor (a 4-Task machine with a no-op handler), the largest execution history for
 * growing budgets, and state transitions per run.
 */
@Command(
    name = "loop",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the experiment loop on the local runtime: overhead per run at bandwidth 4,",
      "the emulator floor, the largest execution history per budget, transitions per run."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  orchestra bench loop", "  orchestra bench loop --budgets 10,100,1000 --cap 300"})
public final class LoopBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--runs", description = "Runs for the overhead measurement (default 20).")
  int runs = 20;

  @Option(
      names = "--run-seconds",
      description = "How long each overhead run's process sleeps (default 1.0).")
  double runSeconds = 1.0;

  @Option(
      names = "--budgets",
      split = ",",
      description = "Budgets for the history measurement (default 10,100).")
  List<Integer> budgets = List.of(10, 100);

  @Option(
      names = "--cap",
      description = "Seconds one history experiment may take before it is stopped (default 240).")
  int capSeconds = 240;

  @Option(names = "--floor-runs", description = "Executions of the floor machine (default 40).")
  int floorRuns = 40;

  private static final String ECHO = "bench-echo";
  private static final String FLOOR_MACHINE = "bench-floor";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("orchestra-bench-loop");
    Files.writeString(
        dir.resolve("run.sh"),
        "sleep \"$BENCH_SLEEP\"\nprintf '{\"value\": %s}' \"$ORCHESTRA_PARAM_X\" >"
            + " \"$ORCHESTRA_METRICS_FILE\"\n");
    RequestStreamHandler echo = (in, o, ctx) -> in.transferTo(o);
    LocalRuntimeOptions options =
        LocalRuntimeOptions.defaults()
            .withTimeScale(new TimeScale(0.05))
            .withFunctions(
                config -> {
                  CatalogFunctionResolver catalog = new CatalogFunctionResolver(config);
                  return name -> name.equals(ECHO) ? Optional.of(echo) : catalog.resolve(name);
                })
            .withPlan(
                env -> withFloorMachine(new ControlPlanePlan().plan(env), env.lambdaArn(ECHO)));
    try (LocalRuntime rt = LocalRuntime.start(options);
        LoopContext ctx = new LoopContext(rt.config());
        LocalAwsClients benchAws = new LocalAwsClients(rt.awsEndpoint(), rt.region(), "bench")) {
      // The bench's own polling goes through clients the router counts apart ("bench").
      DynamoDbExperimentStore watch =
          new DynamoDbExperimentStore(benchAws.dynamo(), rt.config().require(EnvVars.TABLE));
      out.println("local runtime up: " + rt.awsEndpoint() + " (time scale 0.05)");
      out.flush();

      double floor = floor(rt, out);

      // Warm-up: the first invocations load classes and build clients (a Lambda cold start).
      long w0 = System.nanoTime();
      awaitEnd(watch, submit(ctx, dir, "warmup", 4, 4, 0), 300);
      out.printf(
          "WARM-UP: 4 trivial runs at bandwidth 4 in a fresh JVM: %.1f s (cold start included)%n",
          (System.nanoTime() - w0) / 1e9);
      out.flush();

      // Overhead: the same processes, bare at bandwidth 4, then through Orchestra.
      double bare = bareWall(dir, runs, 4);
      resetCounts(rt);
      long t0 = System.nanoTime();
      String id = submit(ctx, dir, "overhead", runs, 4, runSeconds);
      ExperimentRecord e = awaitEnd(watch, id, 600);
      double wall = (System.nanoTime() - t0) / 1e9;
      Counts overheadCounts = counts(rt);
      double overheadMs = (wall - bare) / runs * 1000;
      out.printf(
          "OVERHEAD: %d runs of %.1f s at bandwidth 4: orchestra %.2f s, bare %.2f s ->"
              + " %.0f ms/run (target <= 250; emulator floor %.0f ms/run) [%s]%n",
          runs, runSeconds, wall, bare, overheadMs, floor, e.status().wire());
      out.flush();
      report(rt, ctx, id, e.succeeded() + e.failed(), out);
      breakdown(overheadCounts, e.succeeded() + e.failed(), true, out);

      for (int budget : budgets) {
        resetCounts(rt);
        long s0 = System.nanoTime();
        String hid = submit(ctx, dir, "history-" + budget, budget, 4, 0);
        ExperimentRecord end = awaitEnd(watch, hid, capSeconds);
        boolean capped = !end.status().isFinal();
        if (capped) {
          ctx.store().requestStop(hid);
          end = awaitEnd(watch, hid, 120);
        }
        Counts historyCounts = counts(rt);
        double secs = (System.nanoTime() - s0) / 1e9;
        int done = end.succeeded() + end.failed();
        out.printf(
            "BUDGET %d: %d runs done in %.1f s (%.0f ms/run)%s%n",
            budget,
            done,
            secs,
            secs * 1000 / Math.max(1, done),
            capped ? " — stopped at the " + capSeconds + " s cap" : "");
        report(rt, ctx, hid, done, out);
        breakdown(historyCounts, done, false, out);
      }
    }
    return 0;
  }

  private static ResourcePlan withFloorMachine(ResourcePlan p, String echoArn) {
    List<ResourcePlan.StateMachine> machines = new ArrayList<>(p.stateMachines());
    StringBuilder asl = new StringBuilder("{\"StartAt\":\"T1\",\"States\":{");
    for (int i = 1; i <= 4; i++) {
      asl.append(i > 1 ? "," : "")
          .append("\"T")
          .append(i)
          .append("\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\",")
          .append("\"Parameters\":{\"FunctionName\":\"${BenchEchoArn}\",\"Payload.$\":\"$\"},")
          .append("\"OutputPath\":\"$.Payload\",")
          .append(i < 4 ? "\"Next\":\"T" + (i + 1) + "\"}" : "\"End\":true}");
    }
    asl.append("}}");
    machines.add(new ResourcePlan.StateMachine(FLOOR_MACHINE, asl.toString()));
    Map<String, String> subs = new java.util.HashMap<>(p.substitutions());
    subs.put("BenchEchoArn", echoArn);
    return new ResourcePlan(
        p.tables(), p.queues(), p.buckets(), machines, p.eventSources(), subs, p.config());
  }

  /** The emulator floor: the 4-Task no-op machine at bandwidth 4. */
  private double floor(LocalRuntime rt, PrintWriter out) {
    SfnClient sfn = rt.aws().sfn();
    String machine = rt.environment().stateMachineArn(FLOOR_MACHINE);
    runWidth(sfn, machine, "warm", 4, 4);
    long t0 = System.nanoTime();
    runWidth(sfn, machine, "bw4", floorRuns, 4);
    double ms = (System.nanoTime() - t0) / 1e6 / floorRuns;
    out.printf(
        "FLOOR: 4-Task machine, no-op handler, %d runs at bandwidth 4: %.0f ms/run%n",
        floorRuns, ms);
    out.flush();
    return ms;
  }

  private static void runWidth(SfnClient sfn, String machine, String prefix, int n, int width) {
    List<String> inFlight = new ArrayList<>();
    int started = 0;
    int done = 0;
    String tag = UUID.randomUUID().toString().substring(0, 8);
    while (done < n) {
      while (inFlight.size() < width && started < n) {
        String name = prefix + "-" + tag + "-" + started++;
        inFlight.add(
            sfn.startExecution(b -> b.stateMachineArn(machine).name(name).input("{}"))
                .executionArn());
      }
      String oldest = inFlight.get(0);
      while (sfn.describeExecution(b -> b.executionArn(oldest)).status()
          == ExecutionStatus.RUNNING) {
        pause(10);
      }
      inFlight.remove(0);
      done++;
    }
  }

  private double bareWall(Path dir, int n, int width) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(width);
    long t0 = System.nanoTime();
    try {
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        all.add(
            pool.submit(
                () -> {
                  Path metrics = Files.createTempFile(dir, "m", ".json");
                  ProcessBuilder pb =
                      new ProcessBuilder("/bin/sh", "-c", "sh run.sh")
                          .directory(dir.toFile())
                          .redirectErrorStream(true)
                          .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                  pb.environment().put("BENCH_SLEEP", Double.toString(runSeconds));
                  pb.environment().put("ORCHESTRA_PARAM_X", "0.5");
                  pb.environment().put("ORCHESTRA_METRICS_FILE", metrics.toString());
                  return pb.start().waitFor();
                }));
      }
      for (Future<Integer> f : all) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String submit(
      LoopContext ctx, Path dir, String name, int budget, int bandwidth, double sleep) {
    String experiment =
        "name: bench-"
            + name
            + "\ntype: random\nmetrics: [{name: value, objective: minimize}]\n"
            + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]\n"
            + "budget: "
            + budget
            + "\nparallel_bandwidth: "
            + bandwidth
            + "\n";
    String run = "run: BENCH_SLEEP=" + sleep + " sh run.sh\n";
    IntakeService.Result r =
        ctx.intake()
            .submit(experiment, run, UUID.randomUUID().toString(), null, dir.toString(), null);
    if (!r.accepted()) {
      throw new IllegalStateException("bench experiment rejected: " + r.findings());
    }
    return r.experimentId();
  }

  private static ExperimentRecord awaitEnd(DynamoDbExperimentStore store, String id, int seconds) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (true) {
      ExperimentRecord e = store.experiment(id).orElse(null);
      if (e != null && (e.status().isFinal() || System.nanoTime() > deadline)) {
        return e;
      }
      pause(50);
    }
  }

  /** What the router, the invoker and the store counted in one window. */
  record Counts(
      Map<CallStats.Key, CallStats.Tally> calls,
      Map<CallStats.Key, CallStats.Tally> invocations,
      Map<String, Long> store) {}

  private static void resetCounts(LocalRuntime rt) {
    rt.router().stats().reset();
    rt.invoker().stats().reset();
    StoreCounters.reset();
  }

  private static Counts counts(LocalRuntime rt) {
    return new Counts(
        rt.router().stats().snapshot(), rt.invoker().stats().snapshot(), StoreCounters.snapshot());
  }

  private static boolean longPoll(CallStats.Key k) {
    return k.operation().equals("ReceiveMessage");
  }

  /**
   * Calls per run by caller, service and operation (what the router saw, the bench's own polling
   * left out), Lambda invocations and store transaction outcomes per run: counts that do not depend
   * on the machine's load, with the latencies that do.
   */
  static void breakdown(Counts c, int runsDone, boolean detailed, PrintWriter out) {
    double n = Math.max(1, runsDone);
    Map<CallStats.Key, CallStats.Tally> calls = new java.util.TreeMap<>();
    c.calls()
        .forEach(
            (k, v) -> {
              if (!k.caller().equals("bench")) {
                calls.put(k, v);
              }
            });
    CallStats.Tally all = CallStats.merge(calls, k -> !longPoll(k));
    CallStats.Tally polls = CallStats.merge(calls, LoopBench::longPoll);
    Map<String, Double> byService = new java.util.TreeMap<>();
    calls.forEach(
        (k, v) -> {
          if (!longPoll(k)) {
            byService.merge(k.service(), v.count() / n, Double::sum);
          }
        });
    StringBuilder services = new StringBuilder();
    byService.forEach(
        (k, v) ->
            services
                .append(services.length() > 0 ? ", " : "")
                .append(String.format("%s %.1f", k, v)));
    out.printf(
        "  calls: %.1f per run to the AWS endpoint (%s; p50 %.0f ms, p90 %.0f ms), plus %.1f"
            + " long polls per run (ReceiveMessage, paced by time)%n",
        all.count() / n, services, all.percentileMs(50), all.percentileMs(90), polls.count() / n);
    if (detailed) {
      out.printf(
          "  %-9s %-8s %-36s %8s %8s %7s %7s %7s%n",
          "caller", "service", "operation", "per run", "err/run", "p50 ms", "p90 ms", "max ms");
      calls.forEach(
          (k, v) ->
              out.printf(
                  "  %-9s %-8s %-36s %8.2f %8.2f %7.0f %7.0f %7.0f%n",
                  k.caller(),
                  k.service(),
                  k.operation(),
                  v.count() / n,
                  v.errors() / n,
                  v.percentileMs(50),
                  v.percentileMs(90),
                  v.percentileMs(100)));
    }
    StringBuilder lambda = new StringBuilder();
    c.invocations()
        .forEach(
            (k, v) ->
                lambda
                    .append(lambda.length() > 0 ? "; " : "")
                    .append(
                        String.format(
                            "%s %.2f (p50 %.0f ms, p90 %.0f ms)",
                            k.operation().replace("orchestra-", ""),
                            v.count() / n,
                            v.percentileMs(50),
                            v.percentileMs(90))));
    out.println("  lambda invocations per run: " + lambda);
    StringBuilder store = new StringBuilder();
    c.store()
        .forEach(
            (k, v) ->
                store
                    .append(store.length() > 0 ? ", " : "")
                    .append(String.format("%s %.2f", k, v / n)));
    out.println("  store transactions per run: " + store);
    out.flush();
  }

  /** Histories of the experiment's executions: largest, and transitions per run. */
  private static void report(
      LocalRuntime rt, LoopContext ctx, String id, int runsDone, PrintWriter out) {
    SfnClient sfn = rt.aws().sfn();
    String expArn =
        rt.environment()
                .stateMachineArn(ControlPlanePlan.EXPERIMENT_MACHINE)
                .replace(":stateMachine:", ":execution:")
            + ":"
            + id;
    int[] exp = history(sfn, expArn);
    String runMachine = rt.config().require(EnvVars.RUN_STATE_MACHINE_ARN);
    List<ExecutionListItem> runs = new ArrayList<>();
    String token = null;
    do {
      String t = token;
      var page =
          sfn.listExecutions(b -> b.stateMachineArn(runMachine).maxResults(1000).nextToken(t));
      page.executions().stream().filter(x -> x.name().startsWith(id + "-r")).forEach(runs::add);
      token = page.nextToken();
    } while (token != null);
    int maxEvents = 0;
    long entered = exp[1];
    for (ExecutionListItem r : runs) {
      int[] h = history(sfn, r.executionArn());
      maxEvents = Math.max(maxEvents, h[0]);
      entered += h[1];
    }
    out.printf(
        "  histories: experiment execution %d events; largest run execution %d events (%d run"
            + " executions); state transitions per run %.1f (incl. the experiment's share; target"
            + " <= 20)%n",
        exp[0], maxEvents, runs.size(), entered / (double) Math.max(1, runsDone));
    out.flush();
  }

  /** [events, states entered] of one execution. */
  private static int[] history(SfnClient sfn, String executionArn) {
    int events = 0;
    int entered = 0;
    String token = null;
    do {
      String t = token;
      var page =
          sfn.getExecutionHistory(b -> b.executionArn(executionArn).maxResults(1000).nextToken(t));
      for (HistoryEvent e : page.events()) {
        events++;
        if (e.typeAsString().endsWith("StateEntered")) {
          entered++;
        }
      }
      token = page.nextToken();
    } while (token != null);
    return new int[] {events, entered};
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms); // a poll interval
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
