package dev.orchestra.local.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.cluster.ClusterIdle;
import dev.orchestra.functions.cluster.ClusterStepHandler;
import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.cluster.ClusterResources;
import dev.orchestra.local.router.FaultInjector;
import dev.orchestra.local.router.FaultInjector.Kind;
import dev.orchestra.local.router.FaultInjector.Rule;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.Errors;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * AWS faults injected through the local router ({@link FaultInjector}): throttling and 5xx in each
 * service's own protocol are retried (by the SDK's standard retry strategy, or by the engine's
 * client and ASL Retry) and the workflows finish as if nothing happened; a cluster create that
 * fails at any one of its steps leaves nothing behind.
 */
class AwsFaultsTest {
  static final Path BRANIN = Path.of("..", "examples", "branin").toAbsolutePath().normalize();
  static final String PRINCIPAL = "arn:aws:iam::123456789012:user/alice";

  static LocalRuntime runtime;
  static AwsClients aws;
  static LoopContext ctx;
  static FaultInjector faults;

  @BeforeAll
  static void start() throws IOException {
    runtime = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.02)));
    aws = new AwsClients(runtime.config());
    ctx = new LoopContext(runtime.config());
    faults = runtime.router().faults();
  }

  @AfterEach
  void clearFaults() {
    faults.clear();
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
    if (aws != null) {
      aws.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void sdkClients_retryThrottlingAnd5xx_inEachServicesProtocol() {
    Map<String, Runnable> calls = new LinkedHashMap<>();
    calls.put("dynamodb:ListTables", () -> aws.dynamo().listTables());
    calls.put("states:ListStateMachines", () -> aws.sfn().listStateMachines());
    calls.put("iam:ListRoles", () -> aws.iam().listRoles());
    calls.put("ec2:DescribeVpcs", () -> aws.ec2().describeVpcs());
    calls.put("eks:ListClusters", () -> aws.eks().listClusters());
    calls.put("sqs:ListQueues", () -> aws.sqs().listQueues());
    calls.put("s3:GET /", () -> aws.s3().listBuckets());
    calls.forEach(
        (key, call) -> {
          String service = key.substring(0, key.indexOf(':'));
          String operation = key.substring(key.indexOf(':') + 1);
          faults.clear();
          faults.add(Rule.next(1, service, operation, Kind.THROTTLE));
          faults.add(Rule.next(1, service, operation, Kind.INTERNAL));
          faults.add(Rule.next(1, service, operation, Kind.UNAVAILABLE));
          call.run();
          assertThat(faults.injected(service, operation)).as(key).isEqualTo(3);
          assertThat(faults.calls(service, operation)).as(key + " attempts").isEqualTo(4);
        });
    // A non-retryable error is not retried, and arrives as the code it was given.
    faults.clear();
    faults.add(
        Rule.next(1, "dynamodb", "ListTables", Kind.FAIL).failing("AccessDeniedException", 400));
    assertThatThrownBy(() -> aws.dynamo().listTables())
        .isInstanceOfSatisfying(
            AwsServiceException.class,
            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException"));
    assertThat(faults.calls("dynamodb", "ListTables")).isEqualTo(1);
  }

  @Test
  void adminEndpoint_setsRulesAndReportsCounts() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create(runtime.awsEndpoint() + "/_orchestra/faults");
    HttpResponse<String> set =
        http.send(
            HttpRequest.newBuilder(uri)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"seed\":7,\"rules\":[{\"service\":\"iam\",\"operation\":\"ListRoles\","
                            + "\"kind\":\"THROTTLE\",\"count\":2}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(set.statusCode()).isEqualTo(200);
    aws.iam().listRoles();
    HttpResponse<String> report =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(report.body()).contains("\"iam:ListRoles\":3").contains("\"fired\":2");
    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"THROTTLE\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("service");
    http.send(HttpRequest.newBuilder(uri).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(faults.calls("iam", "ListRoles")).isZero();
  }

  @Test
  void experiment_underThrottlingAnd5xxFromEveryService_endsExactly() throws IOException {
    faults.seed(42);
    // Each kind fires at least once (the next call), then at a low rate.
    faults.add(Rule.next(1, "dynamodb", "UpdateItem", Kind.THROTTLE));
    faults.add(Rule.next(1, "dynamodb", "PutItem", Kind.INTERNAL));
    faults.add(Rule.next(1, "states", "SendTaskSuccess", Kind.THROTTLE));
    faults.add(Rule.next(1, "states", "StartExecution", Kind.UNAVAILABLE));
    faults.add(Rule.next(1, "lambda", "Invoke", Kind.THROTTLE));
    faults.add(Rule.next(1, "lambda", "Invoke", Kind.INTERNAL));
    faults.add(Rule.rate(0.05, "dynamodb", null, Kind.THROTTLE));
    faults.add(Rule.rate(0.03, "dynamodb", null, Kind.INTERNAL));
    faults.add(Rule.rate(0.05, "states", null, Kind.THROTTLE));
    faults.add(Rule.rate(0.03, "states", null, Kind.UNAVAILABLE));
    faults.add(Rule.rate(0.05, "sqs", "SendMessage", Kind.THROTTLE));
    faults.add(Rule.rate(0.03, "s3", null, Kind.UNAVAILABLE));
    // The engine's own Lambda calls: retried by its client and by each Task's ASL Retry.
    faults.add(Rule.rate(0.05, "lambda", "Invoke", Kind.THROTTLE));
    faults.add(Rule.rate(0.03, "lambda", "Invoke", Kind.INTERNAL));
    IntakeService.Result r =
        ctx.intake()
            .submit(
                Files.readString(BRANIN.resolve("experiment.yml"))
                    .replace("name: Branin", "name: throttled")
                    .replace("budget: 12", "budget: 4")
                    .replace("parallel_bandwidth: 3", "parallel_bandwidth: 2"),
                Files.readString(BRANIN.resolve("run.yml")),
                UUID.randomUUID().toString(),
                null,
                BRANIN.toString(),
                null);
    assertThat(r.findings()).isEmpty();
    ExperimentRecord end =
        Poll.experimentEnd(ctx.store(), r.experimentId(), Duration.ofSeconds(120));
    Map<String, Long> injected = new LinkedHashMap<>();
    for (String s : List.of("dynamodb", "states", "lambda")) {
      injected.put(s, faults.injected(s));
    }
    long invokes = faults.calls("lambda", "Invoke");
    long sendTaskSuccess = faults.calls("states", "SendTaskSuccess");
    faults.clear();
    assertThat(end.status()).as(end.error()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(end.issued()).isEqualTo(4);
    assertThat(end.succeeded()).isEqualTo(4);
    List<RunRecord> runs = ctx.store().runs(r.experimentId());
    assertThat(runs)
        .hasSize(4)
        .allSatisfy(
            run -> {
              assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
              assertThat(run.attempt()).isEqualTo(1);
              assertThat(run.metrics()).containsKey("value");
            });
    // The faults happened and were retried past: more calls than faults.
    assertThat(injected).allSatisfy((service, n) -> assertThat(n).as(service).isGreaterThan(1));
    assertThat(invokes).isGreaterThan(injected.get("lambda"));
    assertThat(sendTaskSuccess).isGreaterThanOrEqualTo(4 + 1);
  }

  /**
   * The next invocation of {@code function} fails as Unhandled {@code error}, before or after it
   * ran.
   */
  static void failNextInvoke(String function, String error, boolean afterEffect) {
    Rule rule =
        Rule.next(1, "lambda", "Invoke", Kind.FAIL)
            .containing(function + "/invocations")
            .failing(error, 200);
    faults.add(afterEffect ? rule.afterEffect() : rule);
  }

  /**
   * Runs a random search over x in [0, 1] of {@code budget} runs at bandwidth 2 whose runs report x
   * as "value", except those {@code failing} (exit 3); returns the experiment once it ended.
   */
  static ExperimentRecord runToEnd(String name, int budget, int failing) throws IOException {
    Path dir = Files.createTempDirectory("orchestra-" + name + "-");
    Files.writeString(
        dir.resolve("run.sh"),
        """
        n=${ORCHESTRA_RUN_ID##*-r}
        if [ "$(expr "$n" + 0)" -eq %d ]; then exit 3; fi
        printf '{"value": %%s}' "$ORCHESTRA_PARAM_X" > "$ORCHESTRA_METRICS_FILE"
        """
            .formatted(failing));
    IntakeService.Result r =
        ctx.intake()
            .submit(
                "name: "
                    + name
                    + "\ntype: random\nmetrics: [{name: value, objective: minimize}]\n"
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]\n"
                    + "budget: "
                    + budget
                    + "\nparallel_bandwidth: 2\nmax_failed_runs: "
                    + budget
                    + "\n",
                "run: sh run.sh\n",
                UUID.randomUUID().toString(),
                null,
                dir.toString(),
                null);
    assertThat(r.findings()).isEmpty();
    return Poll.experimentEnd(ctx.store(), r.experimentId(), Duration.ofSeconds(150));
  }

  @Test
  void recordAndRecordFailure_whoseHandlerThrowsAnSdkTimeout_areRetried_soNoRunStaysRunning()
      throws IOException {
    // Found by the 1,000-run soak: under load a Record handler's DynamoDB call outlived the SDK's
    // 30 s call timeout; the Unhandled ApiCallTimeoutException matched no retrier, the run
    // execution failed, and its run stayed running forever with its slot lost (8 of 787 runs,
    // until the experiment stalled). Before the handler ran and after it took effect, for both.
    String timeout = "software.amazon.awssdk.core.exception.ApiCallTimeoutException";
    failNextInvoke("orchestra-record", timeout, false);
    failNextInvoke("orchestra-record", timeout, true);
    failNextInvoke("orchestra-record-failure", timeout, true);
    // Run 2 fails (RecordFailure), the others succeed (Record).
    ExperimentRecord end = runToEnd("sdk-timeout", 3, 2);
    assertThat(faults.injected("lambda", "Invoke")).isEqualTo(3);
    assertThat(end.issued()).isEqualTo(3);
    assertThat(end.running()).isZero();
    assertThat(end.succeeded()).isEqualTo(2);
    assertThat(end.failed()).isEqualTo(1);
    List<RunRecord> runs = ctx.store().runs(end.id());
    assertThat(runs).hasSize(3);
    assertThat(runs.stream().filter(run -> run.status() == RunStatus.SUCCEEDED))
        .hasSize(2)
        .allSatisfy(run -> assertThat(run.metrics()).containsKey("value"));
    assertThat(runs.stream().filter(run -> run.status() == RunStatus.FAILED))
        .singleElement()
        .satisfies(run -> assertThat(run.number()).isEqualTo(2));
  }

  @Test
  void experimentSteps_thatFailTransiently_areRetried_andTheExperimentSucceeds()
      throws IOException {
    // An experiment step whose AWS call failed transiently (a timeout past the SDK's retries, a
    // 5xx) used to take the Catch to MarkFailed: one slow DynamoDB call failed a whole experiment.
    // Handlers now report such failures as TransientFailureException, which the machine retries.
    failNextInvoke("orchestra-prepare", Errors.TRANSIENT, false);
    failNextInvoke("orchestra-prepare", Errors.TRANSIENT, true);
    failNextInvoke("orchestra-wait-until-done", Errors.TRANSIENT, true);
    failNextInvoke("orchestra-finalize", Errors.TRANSIENT, true);
    ExperimentRecord end = runToEnd("transient", 3, 0);
    assertThat(faults.injected("lambda", "Invoke")).isEqualTo(4);
    assertThat(end.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(end.issued()).isEqualTo(3);
    assertThat(end.succeeded()).isEqualTo(3);
    assertThat(end.best()).contains("\"run\"");
    assertThat(ctx.store().runs(end.id())).hasSize(3);
  }

  // ---- cluster create ----

  static String machineArn(String name) {
    return "arn:aws:states:us-east-1:123456789012:stateMachine:" + name;
  }

  static String startCreate(String cluster, String yaml) throws IOException {
    String input =
        Json.MAPPER.writeValueAsString(
            Map.of("clusterName", cluster, "configYaml", yaml, "principalArn", PRINCIPAL));
    return aws.sfn()
        .startExecution(
            b ->
                b.stateMachineArn(machineArn(ClusterResources.CREATE_MACHINE))
                    .name(UUID.randomUUID().toString())
                    .input(input))
        .executionArn();
  }

  static DescribeExecutionResponse await(String arn) {
    return Poll.until(
        "execution " + arn + " to finish",
        Duration.ofSeconds(150),
        () -> {
          DescribeExecutionResponse d = aws.sfn().describeExecution(b -> b.executionArn(arn));
          return d.status() == ExecutionStatus.RUNNING ? null : d;
        });
  }

  static String clusterYaml(String name) {
    return "cluster_name: "
        + name
        + "\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}\n"
        + "gpu: {instance_type: g5.xlarge, min_nodes: 0, max_nodes: 1}\n"
        + "idle_timeout_minutes: 30\n";
  }

  /** Everything a create may leave behind, as the AWS APIs show it. */
  static List<String> leftovers(String cluster) {
    List<String> left = new ArrayList<>();
    if (aws.eks().listClusters().clusters().contains(cluster)) {
      left.add("EKS cluster");
    }
    aws.iam().listRoles(b -> b.pathPrefix("/orchestra/")).roles().stream()
        .filter(r -> r.roleName().startsWith(cluster + "-"))
        .forEach(r -> left.add("role " + r.roleName()));
    aws.events()
        .listRules(b -> b.namePrefix(ClusterIdle.ruleName(cluster)))
        .rules()
        .forEach(r -> left.add("idle rule " + r.name()));
    new ClusterStore(aws.dynamo(), ClusterResources.TABLE)
        .get(cluster)
        .ifPresent(
            rec -> {
              if (!rec.created().isEmpty()) {
                left.add("record still lists created " + rec.created().keySet());
              }
              if (!"FAILED".equals(rec.status())) {
                left.add("record status " + rec.status());
              }
            });
    return left;
  }

  @Test
  void clusterCreate_underThrottlingAnd5xxFromEksIamEc2DynamoDb_succeeds() throws IOException {
    String c = "throttled-cluster";
    faults.seed(3);
    faults.add(Rule.next(1, "eks", "CreateCluster", Kind.THROTTLE));
    faults.add(Rule.next(1, "eks", "CreateNodegroup", Kind.UNAVAILABLE));
    faults.add(Rule.next(1, "eks", "CreateAccessEntry", Kind.THROTTLE));
    faults.add(Rule.rate(0.05, "eks", null, Kind.THROTTLE));
    faults.add(Rule.next(1, "iam", "CreateRole", Kind.THROTTLE));
    faults.add(Rule.rate(0.05, "iam", null, Kind.INTERNAL));
    faults.add(Rule.next(1, "ec2", null, Kind.THROTTLE));
    faults.add(Rule.next(1, "ec2", null, Kind.INTERNAL));
    faults.add(Rule.rate(0.05, "dynamodb", null, Kind.THROTTLE));
    faults.add(Rule.next(1, "lambda", "Invoke", Kind.THROTTLE));
    DescribeExecutionResponse d = await(startCreate(c, clusterYaml(c)));
    Map<String, Long> injected =
        Map.of(
            "eks", faults.injected("eks"),
            "iam", faults.injected("iam"),
            "ec2", faults.injected("ec2"),
            "dynamodb", faults.injected("dynamodb"),
            "lambda", faults.injected("lambda"));
    faults.clear();
    assertThat(d.status()).as(d.error() + " " + d.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(aws.eks().describeCluster(b -> b.name(c)).cluster().status().toString())
        .isEqualTo("ACTIVE");
    assertThat(aws.eks().listNodegroups(b -> b.clusterName(c)).nodegroups()).hasSize(3);
    assertThat(injected).allSatisfy((service, n) -> assertThat(n).as(service).isPositive());
    assertThat(faults.calls("eks", "CreateCluster")).isZero(); // cleared: counts were taken above
  }

  /** The create machine's Lambda steps, in order (Validate refuses; the rest roll back). */
  static final List<ClusterStepHandler.Step> CREATE_STEPS =
      List.of(
          ClusterStepHandler.Step.VALIDATE,
          ClusterStepHandler.Step.CREATE_ROLES,
          ClusterStepHandler.Step.CREATE_CLUSTER,
          ClusterStepHandler.Step.CLUSTER_STATUS,
          ClusterStepHandler.Step.CREATE_ACCESS_ENTRIES,
          ClusterStepHandler.Step.CREATE_ADDONS,
          ClusterStepHandler.Step.CREATE_NODEGROUPS,
          ClusterStepHandler.Step.NODEGROUPS_STATUS,
          ClusterStepHandler.Step.BOOTSTRAP_KUBERNETES,
          ClusterStepHandler.Step.FINISH_CREATE);

  @Test
  void clusterCreate_failingAfterEachStepInTurn_leavesNothingBehind() throws Exception {
    // Each step does its work, then fails with a non-retryable error: the worst moment, since
    // what it made is not in the execution's state. All steps at once, one cluster each.
    Map<ClusterStepHandler.Step, String> clusters = new LinkedHashMap<>();
    for (ClusterStepHandler.Step step : CREATE_STEPS) {
      String c = "fail-" + step.name().toLowerCase().replace('_', '-');
      clusters.put(step, c);
      faults.add(
          Rule.next(1, "lambda", "Invoke", Kind.FAIL)
              .containing(dev.orchestra.functions.FunctionCatalog.clusterFunction(step), c)
              .failing("dev.orchestra.test.InjectedStepFailure", 200)
              .afterEffect());
    }
    ExecutorService pool = Executors.newFixedThreadPool(clusters.size());
    try {
      Map<ClusterStepHandler.Step, CompletableFuture<DescribeExecutionResponse>> runs =
          new LinkedHashMap<>();
      for (var e : clusters.entrySet()) {
        String arn = startCreate(e.getValue(), clusterYaml(e.getValue()));
        runs.put(e.getKey(), CompletableFuture.supplyAsync(() -> await(arn), pool));
      }
      for (var e : runs.entrySet()) {
        DescribeExecutionResponse d = e.getValue().get();
        String c = clusters.get(e.getKey());
        assertThat(d.status()).as(e.getKey() + ": " + d.cause()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(leftovers(c)).as("left behind after a failure in " + e.getKey()).isEmpty();
      }
      assertThat(faults.injected("lambda", "Invoke")).isEqualTo(CREATE_STEPS.size());
    } finally {
      pool.shutdownNow();
    }
  }
}
