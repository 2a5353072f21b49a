package dev.orchestra.local.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.results.ResultsService;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.cluster.ClusterResources;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ConfigWriter;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.run.ResultMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * Hostile and secret input on the running stack: results messages that name an unknown run, a
 * foreign experiment or a wrong nonce are rejected and logged, never applied; a canary planted as
 * credentials in run.yml and cluster.yml appears in no log line, status file, stored spec,
 * execution history or runtime file — only in the one item Dispatch reads to make the run's Secret.
 */
class InputSafetyTest {
  static final String CANARY_KEY = "AKIACANARY7F3A9C0000";
  static final String CANARY_SECRET = "canary-secret-7f3a9c-do-not-log";

  static LocalRuntime runtime;
  static LoopContext ctx;
  static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
  static PrintStream originalErr;
  static PrintStream originalOut;

  /** Copies everything written to {@code target} into {@link #LOG} too. */
  static PrintStream tee(PrintStream target) {
    return new PrintStream(
        new OutputStream() {
          @Override
          public void write(int b) {
            target.write(b);
            synchronized (LOG) {
              LOG.write(b);
            }
          }

          @Override
          public void write(byte[] b, int off, int len) {
            target.write(b, off, len);
            synchronized (LOG) {
              LOG.write(b, off, len);
            }
          }
        },
        true,
        StandardCharsets.UTF_8);
  }

  static String log() {
    synchronized (LOG) {
      return LOG.toString(StandardCharsets.UTF_8);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    originalErr = System.err;
    originalOut = System.out;
    System.setErr(tee(originalErr));
    System.setOut(tee(originalOut));
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
    System.setErr(originalErr);
    System.setOut(originalOut);
  }

  static String submit(String name, String run, Path dir) {
    IntakeService.Result r =
        ctx.intake()
            .submit(
                "name: "
                    + name
                    + "\ntype: random\nmetrics: [{name: value}]\n"
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]\n"
                    + "budget: 1\nparallel_bandwidth: 1\n",
                run,
                UUID.randomUUID().toString(),
                null,
                dir.toString(),
                null);
    assertThat(r.findings()).isEmpty();
    return r.experimentId();
  }

  /** What a rejected message could have changed. */
  record Applied(
      RunStatus status,
      Map<String, Object> metrics,
      Integer exitCode,
      String outputTail,
      Integer resultAttempt,
      int succeeded,
      int failed) {
    static Applied of(RunRecord r, ExperimentRecord e) {
      return new Applied(
          r.status(),
          r.metrics(),
          r.exitCode(),
          r.outputTail(),
          r.resultAttempt(),
          e.succeeded(),
          e.failed());
    }
  }

  @Test
  void resultsForAnUnknownRunAForeignExperimentOrAWrongNonce_areRejectedLoggedNeverApplied(
      @TempDir Path dir) {
    String a = submit("victim", "run: sleep 30\n", dir);
    String b = submit("other", "run: sleep 30\n", dir);
    RunRecord run =
        Poll.until(
            "the victim's run to start",
            Duration.ofSeconds(60),
            () ->
                ctx.store().runs(a).stream()
                    .filter(r -> r.status() == RunStatus.RUNNING && r.nonce() != null)
                    .findFirst()
                    .orElse(null));
    Applied before = Applied.of(run, ctx.store().experiment(a).orElseThrow());
    Map<String, Object> forged = Map.of("value", -1e9);
    List<ResultMessage> hostile =
        List.of(
            ResultMessage.result(a, a + "-r00099", 1, run.nonce(), 0, forged, "unknown run"),
            ResultMessage.result(b, run.runId(), 1, run.nonce(), 0, forged, "foreign experiment"),
            ResultMessage.result(b, b + "-r00001", 1, run.nonce(), 0, forged, "other's run"),
            ResultMessage.result(a, run.runId(), 1, "f".repeat(32), 0, forged, "wrong nonce"),
            ResultMessage.result(a, run.runId(), 2, run.nonce(), 0, forged, "wrong attempt"));
    for (ResultMessage m : hostile) {
      assertThat(ctx.results().handle(m))
          .as(m.outputTail())
          .isEqualTo(ResultsService.Verdict.REJECTED);
    }
    // And through the queue, as a carrier would send them.
    String queue = runtime.config().require(dev.orchestra.shared.EnvVars.RESULTS_QUEUE_URL);
    for (ResultMessage m : hostile) {
      ctx.aws().sqs().sendMessage(x -> x.queueUrl(queue).messageBody(Json.write(m)));
    }
    Poll.until(
        "the queued rejections to be logged",
        Duration.ofSeconds(30),
        () -> log().split("nonce does not match", -1).length > 4);
    RunRecord after = ctx.store().run(a, run.runId()).orElseThrow();
    assertThat(Applied.of(after, ctx.store().experiment(a).orElseThrow())).isEqualTo(before);
    assertThat(after.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(ctx.store().runs(a)).hasSize(1);
    assertThat(ctx.store().run(b, b + "-r00001").map(RunRecord::metrics).orElse(Map.of()))
        .doesNotContainKey("value");
    assertThat(log())
        .contains("for run " + a + "-r00099 of experiment " + a)
        .contains("no such run in the store")
        .contains("is not of experiment " + b)
        .contains("nonce does not match")
        .contains("the run is at attempt 1");
  }

  @Test
  void canaryCredentials_appearInNoLogStatusFileStoredSpecHistoryOrRuntimeFile(@TempDir Path dir)
      throws IOException {
    String runYml =
        "run: 'echo \"{\\\"value\\\": 1}\" > \"$ORCHESTRA_METRICS_FILE\"'\n"
            + "aws:\n  aws_access_key_id: "
            + CANARY_KEY
            + "\n  aws_secret_access_key: "
            + CANARY_SECRET
            + "\n";
    String id = submit("canary", runYml, dir);
    ExperimentRecord end = Poll.experimentEnd(ctx.store(), id, Duration.ofSeconds(60));
    assertThat(end.status()).as(end.error()).isEqualTo(ExperimentStatus.SUCCEEDED);

    // cluster.yml credentials: the CLI sends the validated model without them (ClusterCommand).
    String clusterYml =
        "cluster_name: canary-cluster\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 1}\n"
            + "aws:\n  aws_access_key_id: "
            + CANARY_KEY
            + "\n  aws_secret_access_key: "
            + CANARY_SECRET
            + "\n";
    ClusterConfig config = ConfigParser.parseCluster("cluster.yml", clusterYml).value();
    assertThat(config).isNotNull();
    String sendable = ConfigWriter.toYaml(config.redacted());
    String input =
        Json.write(
            Map.of(
                "clusterName",
                "canary-cluster",
                "configYaml",
                sendable,
                "principalArn",
                "arn:aws:iam::123456789012:user/alice"));
    String arn =
        ctx.aws()
            .sfn()
            .startExecution(
                x ->
                    x.stateMachineArn(
                            "arn:aws:states:us-east-1:123456789012:stateMachine:"
                                + ClusterResources.CREATE_MACHINE)
                        .name("canary-create")
                        .input(input))
            .executionArn();
    ExecutionStatus created =
        Poll.until(
            "the canary cluster create to end",
            Duration.ofSeconds(120),
            () -> {
              ExecutionStatus s =
                  ctx.aws().sfn().describeExecution(x -> x.executionArn(arn)).status();
              return s == ExecutionStatus.RUNNING ? null : s;
            });
    assertThat(created).isEqualTo(ExecutionStatus.SUCCEEDED);

    List<String> leaks = new ArrayList<>();
    // Every log line the runtime and the handlers wrote.
    check("log", log(), leaks);
    // Every object in the bucket: status files, stored specs, run output, reports.
    String bucket = runtime.config().require(dev.orchestra.shared.EnvVars.BUCKET);
    ctx.aws().s3().listObjectsV2Paginator(x -> x.bucket(bucket)).contents().stream()
        .forEach(
            o ->
                check(
                    "s3://" + bucket + "/" + o.key(),
                    ctx.aws()
                        .s3()
                        .getObjectAsBytes(x -> x.bucket(bucket).key(o.key()))
                        .asUtf8String(),
                    leaks));
    // Every item of every table, except the one credentials item Dispatch reads.
    for (String table : ctx.aws().dynamo().listTables().tableNames()) {
      ctx.aws().dynamo().scanPaginator(x -> x.tableName(table)).items().stream()
          .filter(item -> !isCredentialsItem(item))
          .forEach(item -> check(table + " " + item.get("pk"), item.toString(), leaks));
    }
    // The executions' histories (inputs and outputs of every state).
    for (String machine :
        List.of(
            runtime.config().require(dev.orchestra.shared.EnvVars.EXPERIMENT_STATE_MACHINE_ARN),
            runtime.config().require(dev.orchestra.shared.EnvVars.RUN_STATE_MACHINE_ARN),
            "arn:aws:states:us-east-1:123456789012:stateMachine:"
                + ClusterResources.CREATE_MACHINE)) {
      for (var e : ctx.aws().sfn().listExecutions(x -> x.stateMachineArn(machine)).executions()) {
        String history =
            ctx.aws().sfn().getExecutionHistory(x -> x.executionArn(e.executionArn())).toString();
        check("history of " + e.name(), history, leaks);
      }
    }
    // The runtime's files: state, moto's log, run outputs.
    try (Stream<Path> files = Files.walk(runtime.stateDir())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        check(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1), leaks);
      }
    }
    assertThat(leaks).isEmpty();
    // The one place it must be: the run's credentials item (for its Kubernetes Secret).
    assertThat(ctx.store().credentials(id)).isPresent();
  }

  static boolean isCredentialsItem(Map<String, AttributeValue> item) {
    return item.containsKey("secretAccessKey");
  }

  static void check(String where, String text, List<String> leaks) {
    for (String canary : List.of(CANARY_KEY, CANARY_SECRET)) {
      if (text.contains(canary)) {
        leaks.add(where + " contains " + canary);
      }
    }
  }
}
