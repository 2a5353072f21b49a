package dev.orchestra.local.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.testing.HeadlessChromium;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.local.testing.ReportPage;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.report.ReportStorage;
import dev.orchestra.shared.run.ResultMessage;
import dev.orchestra.shared.run.RunContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The experiment loop end to end on the local runtime: the real ASL on moto's engine, the real
 * handlers through the router, runs as local processes carried by the process node.
 */
class ExperimentLoopTest {
  static final Path BRANIN = Path.of("..", "examples", "branin").toAbsolutePath().normalize();
  static LocalRuntime runtime;
  static LoopContext ctx;

  @BeforeAll
  static void start() throws IOException {
    runtime = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.02)));
    ctx = new LoopContext(runtime.config());
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  static String submit(String experimentYml, String runYml, Path workdir) {
    IntakeService.Result r =
        ctx.intake()
            .submit(
                experimentYml,
                runYml,
                UUID.randomUUID().toString(),
                null,
                workdir.toString(),
                null);
    assertThat(r.findings()).isEmpty();
    return r.experimentId();
  }

  static ExperimentRecord awaitEnd(String id, Duration timeout, List<Integer> runningSamples) {
    return Poll.until(
        "experiment " + id + " to end",
        timeout,
        () -> {
          ExperimentRecord e = ctx.store().experiment(id).orElse(null);
          if (e == null) {
            return null;
          }
          if (runningSamples != null) {
            runningSamples.add(e.running());
            runningSamples.add(
                (int)
                    ctx.store().runs(id).stream()
                        .filter(r -> r.status() == RunStatus.RUNNING)
                        .count());
          }
          return e.status().isFinal() ? e : null;
        });
  }

  @Test
  void branin_budget12AtBandwidth3_completesWithNeverMoreThan3InFlight() throws IOException {
    String id =
        submit(
            Files.readString(BRANIN.resolve("experiment.yml")),
            Files.readString(BRANIN.resolve("run.yml")),
            BRANIN);
    List<Integer> running = new ArrayList<>();
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(90), running);
    assertThat(end.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(end.succeeded()).isEqualTo(12);
    assertThat(end.issued()).isEqualTo(12);
    assertThat(running).isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(0, 3));
    assertThat(running).contains(3);
    List<RunRecord> runs = ctx.store().runs(id);
    assertThat(runs).hasSize(12).allMatch(r -> r.status() == RunStatus.SUCCEEDED);
    assertThat(runs).allSatisfy(r -> assertThat(r.metrics()).containsKey("value"));
    assertThat(end.best()).contains("\"run\"");
  }

  @Test
  void failingRun_isRecordedWithExitCodeAndTail(@TempDir Path dir) throws IOException {
    String id =
        submit(
            """
            name: failing
            type: random
            metrics: [{name: value}]
            parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
            budget: 2
            parallel_bandwidth: 2
            max_failed_runs: 2
            """,
            "run: echo something broke; exit 3\n",
            dir);
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(60), null);
    assertThat(end.status()).isEqualTo(ExperimentStatus.FAILED);
    List<RunRecord> runs = ctx.store().runs(id);
    assertThat(runs)
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(r.status()).isEqualTo(RunStatus.FAILED);
              assertThat(r.reason()).isEqualTo("exit 3");
              assertThat(r.exitCode()).isEqualTo(3);
              assertThat(r.outputTail()).contains("something broke");
            });
  }

  static final String ONE_PARAM =
      """
      type: random
      metrics: [{name: value}]
      parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
      """;

  static RunRecord awaitRun(String id, String what, java.util.function.Predicate<RunRecord> p) {
    return Poll.until(
        what,
        Duration.ofSeconds(45),
        () -> ctx.store().runs(id).stream().filter(p).findFirst().orElse(null));
  }

  static boolean jobExists(String name) {
    return runtime
            .kubernetes()
            .client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(RunContract.NAMESPACE)
            .withName(name)
            .get()
        != null;
  }

  @Test
  void runThatStopsHeartbeating_failsByHeartbeatTimeout(@TempDir Path dir) {
    String id =
        submit(
            "name: silent\nbudget: 1\nparallel_bandwidth: 1\n" + ONE_PARAM, "run: sleep 60\n", dir);
    RunRecord run = awaitRun(id, "the run to start", r -> r.status() == RunStatus.RUNNING);
    String job = RunContract.workloadName(run.runId(), 1);
    Poll.until("the Job", Duration.ofSeconds(20), () -> jobExists(job));
    // The node vanishes with its Job: the process dies and nothing reports any more.
    runtime
        .kubernetes()
        .client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(RunContract.NAMESPACE)
        .withName(job)
        .delete();
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(45), null);
    RunRecord after = ctx.store().run(id, run.runId()).orElseThrow();
    assertThat(after.status()).isEqualTo(RunStatus.FAILED);
    assertThat(after.reason()).isEqualTo(Reasons.HEARTBEAT_LOST);
    assertThat(end.status()).isEqualTo(ExperimentStatus.FAILED);
  }

  @Test
  void maxRunMinutes_stopsAnOverlongRun_andDeletesItsJob(@TempDir Path dir) {
    // Time scale 0.02: 5 minutes are 6 s.
    String id =
        submit(
            "name: overlong\nbudget: 1\nparallel_bandwidth: 1\nmax_run_minutes: 5\n" + ONE_PARAM,
            "run: sleep 120\n",
            dir);
    RunRecord run = awaitRun(id, "the run to start", r -> r.status() == RunStatus.RUNNING);
    String job = RunContract.workloadName(run.runId(), 1);
    Poll.until("the Job", Duration.ofSeconds(20), () -> jobExists(job));
    awaitEnd(id, Duration.ofSeconds(45), null);
    RunRecord after = ctx.store().run(id, run.runId()).orElseThrow();
    assertThat(after.reason()).isEqualTo(Reasons.TIMEOUT);
    assertThat(jobExists(job)).as("the timed-out run's Job is deleted").isFalse();
  }

  @Test
  void resultDeliveredThreeTimes_recordsOneObservation_andWrongNonceIsRejected(@TempDir Path dir) {
    String id =
        submit(
            "name: duplicates\nbudget: 1\nparallel_bandwidth: 1\n" + ONE_PARAM,
            "run: sleep 60\n",
            dir);
    RunRecord run =
        awaitRun(id, "the run to start", r -> r.status() == RunStatus.RUNNING && r.nonce() != null);
    String queue = runtime.config().require(EnvVars.RESULTS_QUEUE_URL);
    ResultMessage forged =
        ResultMessage.result(
            id, run.runId(), 1, "0".repeat(32), 0, Map.of("value", -1000.0), "forged");
    ctx.aws().sqs().sendMessage(b -> b.queueUrl(queue).messageBody(Json.write(forged)));
    ResultMessage real =
        ResultMessage.result(id, run.runId(), 1, run.nonce(), 0, Map.of("value", 42.0), "ok");
    // The forged one is applied never: once the real ones land, the metric is 42.
    for (int i = 0; i < 3; i++) {
      ctx.aws().sqs().sendMessage(b -> b.queueUrl(queue).messageBody(Json.write(real)));
    }
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(45), null);
    assertThat(end.succeeded()).isEqualTo(1);
    assertThat(end.failed()).isZero();
    RunRecord after = ctx.store().run(id, run.runId()).orElseThrow();
    assertThat(after.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(after.metrics()).containsEntry("value", 42.0);
    assertThat(ctx.store().runs(id)).hasSize(1);
  }

  @Test
  void routerReportedException_isCaughtByItsFullyQualifiedName(@TempDir Path dir) {
    // Pools are not supported by this dispatcher yet: Dispatch throws DispatchFailedException.
    String id =
        submit(
            "name: pool-target\nbudget: 1\nparallel_bandwidth: 1\npool: p1\n" + ONE_PARAM,
            "run: 'true'\n",
            dir);
    awaitEnd(id, Duration.ofSeconds(45), null);
    RunRecord run = ctx.store().runs(id).get(0);
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.reason()).startsWith("DispatchFailedException: ");
  }

  @Test
  void sameS3EventTwice_startsOneExperiment() throws IOException {
    String bucket = runtime.config().require(EnvVars.BUCKET);
    String key = "experiments/twice/experiment.yml";
    ctx.aws()
        .s3()
        .putObject(
            b -> b.bucket(bucket).key("experiments/twice/run.yml"),
            RequestBody.fromString("run: 'true'\n"));
    ctx.aws()
        .s3()
        .putObject(
            b -> b.bucket(bucket).key(key),
            RequestBody.fromString("name: twice\nbudget: 1\nparallel_bandwidth: 1\n" + ONE_PARAM));
    String eTag =
        ctx.aws().s3().headObject(b -> b.bucket(bucket).key(key)).eTag().replace("\"", "");
    String id = ExperimentIds.forDrop("twice", bucket, key, eTag);
    // The notification delivered it once; deliver the same event twice more by hand.
    String event =
        "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\""
            + bucket
            + "\"},\"object\":{\"key\":\"experiments%2Ftwice%2Fexperiment.yml\",\"eTag\":"
            + Json.write(eTag)
            + "}}}]}";
    String intakeQueue = runtime.environment().queueUrl(ControlPlanePlan.INTAKE_QUEUE);
    for (int i = 0; i < 2; i++) {
      ctx.aws().sqs().sendMessage(b -> b.queueUrl(intakeQueue).messageBody(event));
    }
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(45), null);
    assertThat(end.issued()).isEqualTo(1);
    String machine = runtime.config().require(EnvVars.EXPERIMENT_STATE_MACHINE_ARN);
    long executions =
        ctx.aws().sfn().listExecutions(b -> b.stateMachineArn(machine)).executions().stream()
            .filter(e -> e.name().equals(id))
            .count();
    assertThat(executions).isEqualTo(1);
    String status =
        Poll.until(
            "the status file to show the end (the run writes no metrics: failed)",
            Duration.ofSeconds(20),
            () ->
                ctx.s3()
                    .get("experiments/twice/experiment.status.json")
                    .filter(t -> t.contains(id) && t.contains("\"failed\""))
                    .orElse(null));
    assertThat(status).contains(id);
  }

  @Test
  void rejectedExperimentYml_getsItsStatusFileWithFindings() {
    String bucket = runtime.config().require(EnvVars.BUCKET);
    ctx.aws()
        .s3()
        .putObject(
            b -> b.bucket(bucket).key("experiments/bad one/experiment.yml"),
            RequestBody.fromString("name: bad\nbudget: -1\nmetrics: []\n"));
    String status =
        Poll.until(
            "the rejected status file",
            Duration.ofSeconds(30),
            () -> ctx.s3().get("experiments/bad one/experiment.status.json").orElse(null));
    assertThat(status).contains("\"rejected\"").contains("\"findings\"").contains("\"fix\"");
  }

  @Test
  void routerRestartWhileTasksAreInFlight_losesNoRun(@TempDir Path dir) throws IOException {
    String experiment =
        Files.readString(BRANIN.resolve("experiment.yml"))
            .replace("name: Branin", "name: restart")
            .replace("budget: 12", "budget: 4")
            .replace("parallel_bandwidth: 3", "parallel_bandwidth: 2");
    String id = submit(experiment, Files.readString(BRANIN.resolve("run.yml")), BRANIN);
    awaitRun(id, "a run in flight", r -> r.status() == RunStatus.RUNNING);
    runtime.router().restart();
    ExperimentRecord end = awaitEnd(id, Duration.ofSeconds(60), null);
    assertThat(ctx.store().runs(id))
        .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(RunStatus.SUCCEEDED));
    assertThat(end.succeeded()).isEqualTo(4);
  }

  /**
   * The training script of the report experiments: run 3 fails; the others report value (and other)
   * from x and the optimizer.
   */
  static final String REPORT_TRAINING =
      """
      case "$ORCHESTRA_RUN_ID" in *-r00003) echo 'run 3 breaks on purpose'; exit 3;; esac
      echo "x=$ORCHESTRA_PARAM_X optimizer=$ORCHESTRA_PARAM_OPTIMIZER"
      awk -v x="$ORCHESTRA_PARAM_X" -v o="$ORCHESTRA_PARAM_OPTIMIZER" 'BEGIN {
        p = (o == "adam") ? 0.1 : 0.3
        printf "{\\"value\\": %f, \\"other\\": %f}", (x - 0.3) ^ 2 + p, x + p
      }' > "$ORCHESTRA_METRICS_FILE"
      """;

  static String reportExperiment(Path dir, String experimentYml) throws IOException {
    Files.writeString(dir.resolve("train.sh"), REPORT_TRAINING);
    return submit(experimentYml, "run: sh train.sh\n", dir);
  }

  static final String REPORT_PARAMETERS =
      """
      type: random
      budget: 6
      parallel_bandwidth: 2
      parameters:
        - {name: x, type: double, bounds: {min: 0, max: 1}}
        - {name: optimizer, type: categorical, categorical_values: [adam, sgd]}
      """;

  /** The report Finalize stored, fetched from S3 as a user would. */
  static String storedReport(String id) {
    return Poll.until(
        "the report of " + id + " in S3",
        Duration.ofSeconds(30),
        () -> {
          try {
            var object =
                ctx.aws()
                    .s3()
                    .getObjectAsBytes(
                        b ->
                            b.bucket(runtime.config().require(EnvVars.BUCKET))
                                .key(ReportStorage.key(id)));
            assertThat(object.response().contentType()).startsWith("text/html");
            return object.asUtf8String();
          } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException notYet) {
            return null;
          }
        });
  }

  static ReportPage render(HeadlessChromium chromium, Path dir, String html) throws Exception {
    Path page = dir.resolve("report.html");
    Files.writeString(page, html);
    HeadlessChromium.Run run = chromium.dumpDom(page);
    assertThat(run.exitCode()).as("chromium exit; stderr: %s", run.stderr()).isZero();
    assertThat(run.consoleLines()).as("the page's console").isEmpty();
    return new ReportPage(run.stdout());
  }

  /**
   * Two real experiments at once (the one- and the two-metric report), each with a failing run;
   * their stored reports are opened in headless Chromium.
   */
  @Test
  void reports_ofRealExperiments_drawEveryChartInHeadlessChromium_withoutConsoleErrors(
      @TempDir Path dir) throws Exception {
    HeadlessChromium chromium = HeadlessChromium.require(dir.resolve("chromium"));
    Path one = Files.createDirectory(dir.resolve("one"));
    Path two = Files.createDirectory(dir.resolve("two"));
    String single =
        reportExperiment(
            one,
            "name: report\nmetrics: [{name: value, objective: minimize}]\n" + REPORT_PARAMETERS);
    String pareto =
        reportExperiment(
            two,
            "name: report-pareto\nmetrics: [{name: value, objective: minimize},"
                + " {name: other, objective: maximize}]\n"
                + REPORT_PARAMETERS);

    ExperimentRecord singleEnd = awaitEnd(single, Duration.ofSeconds(120), null);
    assertThat(singleEnd.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(singleEnd.failed()).isEqualTo(1);
    ReportPage page = render(chromium, one, storedReport(single));
    page.assertEveryChartDrew(
        List.of("chart-progress", "chart-param-0", "chart-param-1", "chart-parallel"));
    assertThat(page.chartUsesColour("chart-progress", "#d62728"))
        .as("the failed run is marked in red")
        .isTrue();
    assertThat(page.chartUsesColour("chart-param-1", "#d62728")).isTrue();
    assertThat(page.table("failed-runs")).contains("exit 3").contains(single + "-r00003");
    assertThat(page.table("top-runs")).contains("★");

    Path png = Path.of("target", "report-screenshot.png");
    HeadlessChromium.Run shot = chromium.screenshot(one.resolve("report.html"), png);
    assertThat(shot.exitCode()).as("screenshot; stderr: %s", shot.stderr()).isZero();
    java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1280);
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 7) {
      for (int x = 0; x < image.getWidth(); x += 7) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertThat(colours.size())
        .as("colours in the screenshot (a blank page has one)")
        .isGreaterThan(20);

    ExperimentRecord paretoEnd = awaitEnd(pareto, Duration.ofSeconds(120), null);
    assertThat(paretoEnd.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    ReportPage paretoPage = render(chromium, two, storedReport(pareto));
    paretoPage.assertEveryChartDrew(
        List.of(
            "chart-progress", "chart-param-0", "chart-param-1", "chart-parallel", "chart-pareto"));
    assertThat(paretoPage.chartUsesColour("chart-pareto", "#ff7f0e"))
        .as("the frontier is highlighted")
        .isTrue();
    List<?> best = Json.read(paretoEnd.best(), List.class);
    assertThat(best).isNotEmpty();
    for (Object entry : best) {
      String run = (String) ((Map<?, ?>) entry).get("run");
      assertThat(paretoPage.table("top-runs")).contains(run);
    }
  }
}
