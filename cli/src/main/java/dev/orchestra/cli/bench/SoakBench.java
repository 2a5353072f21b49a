package dev.orchestra.cli.bench;

import dev.orchestra.cli.UserError;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.router.FaultInjector.Kind;
import dev.orchestra.local.router.FaultInjector.Rule;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code orchestra bench soak}: N runs through an in-process local runtime at bandwidth 8, with 5%
 * of runs failing (exit 3), 2% hanging (stopped by max_run_minutes) and every results message
 * delivered twice (the router duplicates each SendMessage to the results queue). It checks that the
 * experiment ends with exactly N runs, each once, with exactly the expected successes and failures
 * and one observation per successful run, and records wall time and peak memory (the runtime JVM's
 * and moto's peak resident set). A run meant to succeed whose result arrived after its timeout (an
 * overloaded emulator) is reported, not counted as a loss: it ended once, as failed.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = {
      "Soak the local stack: N runs at bandwidth 8, 5% failing, 2% hanging, every results",
      "message duplicated. Checks exact counts; prints wall time and peak memory. Exits 1 on a",
      "lost or doubled run or observation."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  orchestra bench soak --runs 100", "  orchestra bench soak"})
public final class SoakBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--runs", description = "Runs in the experiment (default ${DEFAULT-VALUE}).")
  int runs = 1000;

  @Option(names = "--bandwidth", description = "Runs in flight (default ${DEFAULT-VALUE}).")
  int bandwidth = 8;

  @Option(
      names = "--time-scale",
      description =
          "Time scale of waits and timeouts (default ${DEFAULT-VALUE}: heartbeats every 30 s, the"
              + " heartbeat timeout 150 s, max_run_minutes 2 stops a hanging run after 60 s)."
              + " Smaller scales squeeze the timeouts below what a loaded emulator answers in.")
  double timeScale = 0.5;

  @Option(
      names = "--timeout-minutes",
      description = "Give up after this long (default ${DEFAULT-VALUE}).")
  int timeoutMinutes = 180;

  /** Run n fails when n % 20 == 3 (5%), hangs when n % 50 == 7 (2%); the sets are disjoint. */
  static boolean fails(int n) {
    return n % 20 == 3;
  }

  static boolean hangs(int n) {
    return n % 50 == 7;
  }

  static final String SCRIPT =
      """
      n=${ORCHESTRA_RUN_ID##*-r}
      n=$(expr "$n" + 0)
      if [ $((n % 50)) -eq 7 ]; then sleep 3600; fi
      if [ $((n % 20)) -eq 3 ]; then echo "soak: run $n fails on purpose"; exit 3; fi
      printf '{"value": %s}' "$ORCHESTRA_PARAM_X" > "$ORCHESTRA_METRICS_FILE"
      """;

  @Override
  public Integer call() throws IOException {
    if (runs < 1 || bandwidth < 1) {
      throw new UserError("--runs and --bandwidth must be 1 or more");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("orchestra-soak-");
    Files.writeString(dir.resolve("soak.sh"), SCRIPT);
    Plan plan = Plan.of(runs);
    int expectFailed = plan.failed();
    int expectHung = plan.hung();
    int expectSucceeded = plan.succeeded();
    try (LocalRuntime rt =
            LocalRuntime.start(
                LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(timeScale)));
        LoopContext ctx = new LoopContext(rt.config())) {
      String queue = rt.config().require(EnvVars.RESULTS_QUEUE_URL);
      rt.router()
          .faults()
          .add(
              Rule.rate(1.0, "sqs", "SendMessage", Kind.DUPLICATE)
                  .containing(queue.substring(queue.lastIndexOf('/') + 1)));
      out.printf(
          Locale.ROOT,
          "soak: %d runs at bandwidth %d (expect %d succeeded, %d failed, %d hung), every"
              + " results message twice; local runtime %s, time scale %s%n",
          runs,
          bandwidth,
          expectSucceeded,
          expectFailed,
          expectHung,
          rt.awsEndpoint(),
          timeScale);
      out.flush();
      String experiment =
          "name: soak\ntype: random\nmetrics: [{name: value, objective: minimize}]\n"
              + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]\n"
              + "budget: "
              + runs
              + "\nparallel_bandwidth: "
              + bandwidth
              + "\nmax_failed_runs: "
              + runs
              + "\nmax_run_minutes: 2\n";
      long t0 = System.nanoTime();
      IntakeService.Result r =
          ctx.intake()
              .submit(
                  experiment,
                  "run: sh soak.sh\n",
                  UUID.randomUUID().toString(),
                  null,
                  dir.toString(),
                  null);
      if (!r.accepted()) {
        throw new IllegalStateException("soak experiment rejected: " + r.findings());
      }
      String id = r.experimentId();
      long deadline = t0 + timeoutMinutes * 60_000_000_000L;
      long nextReport = 0;
      int maxRunning = 0;
      long peakJvm = 0;
      long peakMoto = 0;
      ExperimentRecord end;
      while (true) {
        ExperimentRecord e = ctx.store().experiment(id).orElse(null);
        peakJvm = Math.max(peakJvm, rss(ProcessHandle.current().pid()));
        peakMoto = Math.max(peakMoto, rt.moto().pid().map(SoakBench::rss).orElse(0L));
        if (e != null) {
          maxRunning = Math.max(maxRunning, e.running());
          if (e.status().isFinal()) {
            end = e;
            break;
          }
          if (System.nanoTime() > nextReport) {
            out.printf(
                Locale.ROOT,
                "  [%4.0f s] issued %d, running %d, succeeded %d, failed %d%n",
                (System.nanoTime() - t0) / 1e9,
                e.issued(),
                e.running(),
                e.succeeded(),
                e.failed());
            out.flush();
            nextReport = System.nanoTime() + 15_000_000_000L;
          }
        }
        if (System.nanoTime() > deadline) {
          out.println("soak: gave up after " + timeoutMinutes + " minutes");
          return 1;
        }
        pause(250);
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      // Peak resident sets as the kernel recorded them (VmHWM), not only what polling saw.
      peakJvm = Math.max(peakJvm, hwm(ProcessHandle.current().pid()));
      peakMoto = Math.max(peakMoto, rt.moto().pid().map(SoakBench::hwm).orElse(0L));
      long duplicated = rt.router().faults().injected("sqs", "SendMessage");
      Observed observed = observe(ctx, rt, id, end, duplicated);
      Verdict verdict = verify(runs, observed);
      List<String> problems = new ArrayList<>(verdict.problems());
      List<String> slow = verdict.slow();
      long retried = observed.runs().stream().filter(run -> run.attempt() > 1).count();
      if (maxRunning > bandwidth) {
        problems.add("running reached " + maxRunning + " > bandwidth " + bandwidth);
      }
      out.printf(
          Locale.ROOT,
          "soak: %s after %.1f s (%.0f ms/run): %d runs, %d succeeded, %d failed; %d results"
              + " messages duplicated; %d runs retried under their id; max running %d; peak RSS"
              + " runtime JVM %d MiB, moto %d MiB (sum %d MiB)%n",
          end.status().wire(),
          wall,
          wall * 1000 / runs,
          end.issued(),
          end.succeeded(),
          end.failed(),
          duplicated,
          retried,
          maxRunning,
          peakJvm >> 10,
          peakMoto >> 10,
          (peakJvm + peakMoto) >> 10);
      if (!slow.isEmpty()) {
        out.printf(
            Locale.ROOT,
            "soak: %d runs meant to succeed ended by their timeout instead (the emulator answered"
                + " too late under load; raise --time-scale): %s%n",
            slow.size(),
            slow);
      }
      if (problems.isEmpty()) {
        out.println("soak: exact — no run or observation lost or doubled");
      } else {
        problems.forEach(p -> out.println("soak: PROBLEM " + p));
      }
      out.flush();
      return problems.isEmpty() ? 0 : 1;
    }
  }

  /** What the bench read back once the experiment ended. */
  record Observed(
      List<RunRecord> runs,
      ExperimentRecord end,
      long executions,
      long executionsRunning,
      long duplicated,
      long queueLeft) {}

  /** The verdict: problems (lost, doubled or wrong) and runs that ended by a timeout instead. */
  record Verdict(List<String> problems, List<String> slow) {}

  /** How many of {@code runs} runs are planned to succeed, fail with exit 3, and hang. */
  record Plan(int succeeded, int failed, int hung) {
    static Plan of(int runs) {
      int failed = 0;
      int hung = 0;
      for (int n = 1; n <= runs; n++) {
        failed += fails(n) ? 1 : 0;
        hung += hangs(n) ? 1 : 0;
      }
      return new Plan(runs - failed - hung, failed, hung);
    }
  }

  /**
   * Checks what the soak read back against its plan of {@code runs} runs. Pure. A problem is a run
   * lost, doubled or ending otherwise than planned, a counter that disagrees with the runs, a run
   * execution missing, doubled or still running, a results message not duplicated or left on the
   * queue. A run meant to succeed or to fail with exit 3 that ended by its timeout instead is slow,
   * not a problem: it ended once.
   */
  static Verdict verify(int runs, Observed o) {
    List<String> problems = new ArrayList<>();
    List<String> slow = new ArrayList<>();
    Plan plan = Plan.of(runs);
    int expectFailed = plan.failed();
    int expectHung = plan.hung();
    int expectSucceeded = plan.succeeded();
    List<RunRecord> all = o.runs();
    if (all.size() != runs) {
      problems.add(all.size() + " runs in the store, not " + runs);
    }
    if (all.stream().map(RunRecord::runId).distinct().count() != all.size()) {
      problems.add("a run id appears twice");
    }
    java.util.BitSet numbers = new java.util.BitSet();
    for (RunRecord run : all) {
      if (run.number() < 1 || run.number() > runs || numbers.get(run.number())) {
        problems.add(
            run.runId() + ": run number " + run.number() + " out of 1.." + runs + " or twice");
      }
      numbers.set(Math.max(0, run.number()));
    }
    if (numbers.get(1, runs + 1).cardinality() != runs) {
      problems.add(
          (runs - numbers.get(1, runs + 1).cardinality())
              + " run numbers of 1.."
              + runs
              + " missing");
    }
    int succeeded = 0;
    int failed = 0;
    int stoppedHanging = 0;
    int slowMeantToSucceed = 0;
    for (RunRecord run : all) {
      int n = run.number();
      if (run.status() == RunStatus.SUCCEEDED) {
        succeeded++;
        Object x = run.assignments() == null ? null : run.assignments().get("x");
        if (x == null
            || run.metrics() == null
            || run.metrics().size() != 1
            || !String.valueOf(run.metrics().get("value")).equals(String.valueOf(x))) {
          problems.add(run.runId() + ": observation " + run.metrics() + " for x = " + x);
        }
        if (fails(n) || hangs(n)) {
          problems.add(run.runId() + " succeeded but should have failed");
        }
      } else if (run.status() == RunStatus.FAILED) {
        failed++;
        if (hangs(n)
            && (Reasons.TIMEOUT.equals(run.reason())
                || Reasons.HEARTBEAT_LOST.equals(run.reason()))) {
          stoppedHanging++;
        }
        String want = hangs(n) ? Reasons.TIMEOUT : fails(n) ? "exit 3" : null;
        String reason = Optional.ofNullable(run.reason()).orElse("");
        if (!reason.equals(want)) {
          if (reason.equals(Reasons.TIMEOUT) || reason.equals(Reasons.HEARTBEAT_LOST)) {
            // Not lost, not doubled: its result (or a hanging run's heartbeat) came later than its
            // timeout allowed (an overloaded emulator). Counted and printed, not a failure of
            // exactly-once.
            slow.add(run.runId() + " (" + reason + ")");
            slowMeantToSucceed += fails(n) || hangs(n) ? 0 : 1;
          } else {
            problems.add(run.runId() + " failed with '" + reason + "', expected " + want);
          }
        }
      } else {
        problems.add(run.runId() + " ended " + run.status().wire());
      }
    }
    if (succeeded + slowMeantToSucceed != expectSucceeded
        || failed - slowMeantToSucceed != expectFailed + expectHung) {
      problems.add(
          "runs: "
              + succeeded
              + " succeeded / "
              + failed
              + " failed, expected "
              + expectSucceeded
              + " / "
              + (expectFailed + expectHung));
    }
    if (stoppedHanging != expectHung) {
      problems.add(stoppedHanging + " hanging runs stopped by a timeout, expected " + expectHung);
    }
    ExperimentRecord end = o.end();
    if (end.issued() != runs || end.succeeded() != succeeded || end.failed() != failed) {
      problems.add(
          "experiment counters issued/succeeded/failed "
              + Map.of("issued", end.issued(), "succeeded", end.succeeded(), "failed", end.failed())
              + " disagree with the runs");
    }
    if (end.running() != 0) {
      problems.add("experiment ended with running = " + end.running());
    }
    if (o.executions() != runs) {
      problems.add(o.executions() + " run executions, not " + runs);
    }
    if (o.executionsRunning() != 0) {
      problems.add(o.executionsRunning() + " run executions still running after the experiment");
    }
    // Every run but a hanging one sends a result; each SendMessage to the results queue counts
    // once.
    if (o.duplicated() < expectSucceeded + expectFailed) {
      problems.add(
          "only "
              + o.duplicated()
              + " results messages duplicated, expected at least "
              + (expectSucceeded + expectFailed));
    }
    if (o.queueLeft() != 0) {
      problems.add(o.queueLeft() + " messages left on the results queue");
    }
    return new Verdict(problems, slow);
  }

  private static Observed observe(
      LoopContext ctx, LocalRuntime rt, String id, ExperimentRecord end, long duplicated) {
    String machine = rt.config().require(EnvVars.RUN_STATE_MACHINE_ARN);
    String queue = rt.config().require(EnvVars.RESULTS_QUEUE_URL);
    // The last runs' executions finish their last states, and the poller takes the last
    // duplicates, shortly after the experiment is final: a bounded wait for both.
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      List<ExecutionListItem> executions =
          rt
              .aws()
              .sfn()
              .listExecutionsPaginator(b -> b.stateMachineArn(machine))
              .executions()
              .stream()
              .filter(e -> e.name().startsWith(id + "-r"))
              .toList();
      long running = executions.stream().filter(e -> e.status() == ExecutionStatus.RUNNING).count();
      Map<QueueAttributeName, String> a =
          rt.aws()
              .sqs()
              .getQueueAttributes(
                  b ->
                      b.queueUrl(queue)
                          .attributeNames(
                              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
              .attributes();
      long left =
          Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"))
              + Long.parseLong(
                  a.getOrDefault(
                      QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
      if ((running == 0 && left == 0) || System.nanoTime() > deadline) {
        return new Observed(
            ctx.store().runs(id), end, executions.size(), running, duplicated, left);
      }
      pause(1000);
    }
  }

  /** Current resident set in KiB (0 when unknown). */
  static long rss(long pid) {
    return status(pid, "VmRSS:");
  }

  /** Peak resident set in KiB (0 when unknown). */
  static long hwm(long pid) {
    return status(pid, "VmHWM:");
  }

  private static long status(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms); // polling a store that has no change events
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
