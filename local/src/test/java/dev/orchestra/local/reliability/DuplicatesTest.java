package dev.orchestra.local.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.loop.ControlPlanePlan;
import dev.orchestra.local.router.FaultInjector;
import dev.orchestra.local.router.FaultInjector.Kind;
import dev.orchestra.local.router.FaultInjector.Rule;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;

/**
 * Every input path delivered more than once, at once, on one experiment: the S3 drop's event (the
 * intake message) three times, every results message three times, every Record (observation +
 * refill) invoked twice, and Lambda tasks whose answer is lost after they took effect (so the
 * engine invokes them again). An auditor checks the store after every write.
 */
class DuplicatesTest {
  static LocalRuntime runtime;
  static LoopContext ctx;
  static FaultInjector faults;

  @BeforeAll
  static void start() throws IOException {
    runtime = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.02)));
    ctx = new LoopContext(runtime.config());
    faults = runtime.router().faults();
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

  static String invocationOf(String function) {
    return ":" + function + "/invocations";
  }

  @Test
  void everyInputDeliveredSeveralTimes_oneExperiment_eachRunOnce_oneObservationPerRun()
      throws IOException {
    int budget = 6;
    String resultsQueue = runtime.config().require(EnvVars.RESULTS_QUEUE_URL);
    String resultsQueueName = resultsQueue.substring(resultsQueue.lastIndexOf('/') + 1);
    faults.seed(9);
    // Lost answers first (a rule fires for the first match): the engine retries the Task.
    faults.add(
        Rule.rate(0.5, "lambda", "Invoke", Kind.RESPONSE_LOST)
            .containing(invocationOf(FunctionCatalog.DISPATCH)));
    faults.add(
        Rule.rate(0.3, "lambda", "Invoke", Kind.RESPONSE_LOST)
            .containing(invocationOf(FunctionCatalog.RECORD)));
    faults.add(
        Rule.next(1, "lambda", "Invoke", Kind.RESPONSE_LOST)
            .containing(invocationOf(FunctionCatalog.PREPARE)));
    // A store write that took effect but whose answer was lost: the SDK sends it again. The first
    // transaction always (the rates alone may miss every write of a 6-run experiment: the loop
    // makes ~3 writes a run), then a share of the rest.
    faults.add(Rule.next(1, "dynamodb", "TransactWriteItems", Kind.RESPONSE_LOST));
    faults.add(Rule.rate(0.05, "dynamodb", "UpdateItem", Kind.RESPONSE_LOST));
    faults.add(Rule.rate(0.05, "dynamodb", "TransactWriteItems", Kind.RESPONSE_LOST));
    // Record (the observation and the refill) always runs twice.
    faults.add(
        Rule.rate(1.0, "lambda", "Invoke", Kind.DUPLICATE)
            .containing(invocationOf(FunctionCatalog.RECORD)));
    // Every heartbeat and result reaches the results queue three times.
    faults.add(
        Rule.rate(1.0, "sqs", "SendMessage", Kind.DUPLICATE).containing(resultsQueueName).times(3));

    String bucket = runtime.config().require(EnvVars.BUCKET);
    String key = "experiments/dupes/experiment.yml";
    try (StoreAuditor auditor = new StoreAuditor(runtime.router(), ctx.store(), "dupes")) {
      ctx.aws()
          .s3()
          .putObject(
              b -> b.bucket(bucket).key("experiments/dupes/run.yml"),
              RequestBody.fromString(
                  "run: 'echo \"{\\\"value\\\": $ORCHESTRA_PARAM_X}\" >"
                      + " \"$ORCHESTRA_METRICS_FILE\"'\n"));
      ctx.aws()
          .s3()
          .putObject(
              b -> b.bucket(bucket).key(key),
              RequestBody.fromString(
                  """
                  name: dupes
                  type: random
                  metrics: [{name: value}]
                  parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
                  budget: %d
                  parallel_bandwidth: 2
                  """
                      .formatted(budget)));
      String eTag =
          ctx.aws().s3().headObject(b -> b.bucket(bucket).key(key)).eTag().replace("\"", "");
      String id = ExperimentIds.forDrop("dupes", bucket, key, eTag);
      // The notification delivered the event once; twice more, as S3 and SQS may.
      String event =
          "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\""
              + bucket
              + "\"},\"object\":{\"key\":\"experiments%2Fdupes%2Fexperiment.yml\",\"eTag\":"
              + Json.write(eTag)
              + "}}}]}";
      String intakeQueue = runtime.environment().queueUrl(ControlPlanePlan.INTAKE_QUEUE);
      for (int i = 0; i < 2; i++) {
        ctx.aws().sqs().sendMessage(b -> b.queueUrl(intakeQueue).messageBody(event));
      }

      ExperimentRecord end = Poll.experimentEnd(ctx.store(), id, Duration.ofSeconds(120));
      long lostDispatch = faults.injected("lambda", "Invoke");
      long duplicatedMessages = faults.injected("sqs", "SendMessage");
      long lostWrites = faults.injected("dynamodb");
      faults.clear();

      assertThat(end.status()).as(end.error()).isEqualTo(ExperimentStatus.SUCCEEDED);
      assertThat(end.issued()).isEqualTo(budget);
      assertThat(end.succeeded()).isEqualTo(budget);
      assertThat(end.failed()).isZero();
      List<RunRecord> runs = ctx.store().runs(id);
      assertThat(runs).hasSize(budget);
      assertThat(runs)
          .allSatisfy(
              r -> {
                assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(r.metrics()).containsOnlyKeys("value");
                assertThat(r.metrics().get("value")).isEqualTo(r.assignments().get("x"));
              });
      assertThat(runs.stream().map(RunRecord::runId).distinct()).hasSize(budget);
      // Exactly one experiment execution, and one execution per run.
      assertThat(executions(EnvVars.EXPERIMENT_STATE_MACHINE_ARN, id)).hasSize(1);
      assertThat(executions(EnvVars.RUN_STATE_MACHINE_ARN, id)).hasSize(budget);
      // The duplicates were really delivered, and the invariants held after every write.
      assertThat(lostDispatch).isGreaterThan(budget);
      assertThat(duplicatedMessages).isGreaterThanOrEqualTo(budget);
      assertThat(lostWrites).isPositive();
      assertThat(auditor.audits.get()).isGreaterThan(budget * 3);
      assertThat(auditor.violations).isEmpty();
      assertThat(auditor.maxRunning.get()).isEqualTo(2);
    }
  }

  static List<ExecutionListItem> executions(String machineVar, String experimentId) {
    String machine = runtime.config().require(machineVar);
    return ctx
        .aws()
        .sfn()
        .listExecutionsPaginator(b -> b.stateMachineArn(machine))
        .executions()
        .stream()
        .filter(e -> e.name().startsWith(experimentId))
        .toList();
  }
}
