package dev.orchestra.functions.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.aws.S3Objects;
import dev.orchestra.functions.experiment.ExperimentService;
import dev.orchestra.functions.experiment.StatusFiles;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.report.ReportStorage;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The report through Finalize, against moto's DynamoDB and S3. */
class ReportServiceTest {
  static final String BUCKET = "orchestra-reports";
  static MotoServer moto;
  static LoopContext ctx;
  static final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    ctx =
        new LoopContext(
            moto.config(
                Map.of(
                    EnvVars.TABLE,
                    "experiments",
                    EnvVars.BUCKET,
                    BUCKET,
                    EnvVars.RUN_STATE_MACHINE_ARN,
                    "arn:aws:states:us-east-1:123456789012:stateMachine:run")));
    DynamoDbExperimentStore.createTable(ctx.aws().dynamo(), "experiments");
    ctx.aws().s3().createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stop() {
    ctx.close();
    moto.close();
  }

  /** A running experiment whose one run succeeded with value 0.25 at x = 0.5. */
  static String experimentWithOneResult() {
    ExperimentPlan plan =
        new ExperimentPlan(
            "finalized",
            SearchType.RANDOM,
            new SearchSpace(
                List.of(new Parameter("x", ParameterType.DOUBLE, 0.0, 1.0, false, null, null)),
                List.of(new Metric("value", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null))),
            1,
            1,
            1,
            null,
            "cluster/local",
            null,
            "true",
            Map.of(),
            Map.of(),
            0,
            null,
            1,
            false);
    String id = "finalized-" + ids.incrementAndGet();
    DynamoDbExperimentStore store = ctx.store();
    store.createExperiment(ExperimentRecord.pending(id, plan, BUCKET, null, "now"));
    store.markRunning(id);
    String run = ExperimentIds.runId(id, 1);
    store.issueRun(id, run, 1);
    store.commitSuggestion(id, run, Map.of("x", 0.5), 0, "{}", null);
    store.startAttempt(id, run, 1, "nonce", "token").orElseThrow();
    store.finishRun(
        store.experiment(id).orElseThrow(),
        run,
        1,
        new Outcome(RunStatus.SUCCEEDED, Map.of("value", 0.25), null, 0, "", List.of()),
        null);
    return id;
  }

  @Test
  void finalize_storesTheReportAsHtml_atReportsKey() {
    String id = experimentWithOneResult();

    ctx.experiments().finalize(id, null);

    var object = ctx.aws().s3().getObjectAsBytes(b -> b.bucket(BUCKET).key(ReportStorage.key(id)));
    assertThat(object.response().contentType()).startsWith("text/html");
    String html = object.asUtf8String();
    assertThat(html.startsWith("<!DOCTYPE html>")).isTrue();
    assertThat(html.contains("<h1>finalized</h1>")).isTrue();
    assertThat(html.contains("<dt>status</dt><dd>succeeded</dd>")).isTrue();
    assertThat(html.contains("<td title=\"" + ExperimentIds.runId(id, 1) + "\">1</td>"))
        .as("the run is in the top-runs table")
        .isTrue();
    assertThat(ReportStorage.key(id)).isEqualTo("reports/" + id + "/report.html");
  }

  @Test
  void finalize_whenTheReportCannotBeStored_stillFinishesTheExperiment() {
    String id = experimentWithOneResult();
    // A bucket that does not exist: the report's S3 write fails for real.
    ReportService broken =
        new ReportService(
            ctx.store(), new S3Objects(ctx.aws().s3(), "no-such-bucket"), Clock.systemUTC());
    ExperimentService experiments =
        new ExperimentService(
            ctx.store(), ctx.issuer(), ctx.completion(), new StatusFiles(ctx.s3()), broken);

    experiments.finalize(id, null);

    assertThat(ctx.store().experiment(id).orElseThrow().status())
        .isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThatThrownBy(
            () -> ctx.aws().s3().headObject(b -> b.bucket(BUCKET).key(ReportStorage.key(id))))
        .isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
  }

  @Test
  void html_ofARunningExperiment_isCurrent_andUnknownOnesAreNotFound() {
    String id = experimentWithOneResult();

    String html = ctx.reports().html(id);

    assertThat(html.contains("<dt>status</dt><dd>running</dd>")).isTrue();
    assertThat(ctx.s3().get(ReportStorage.key(id))).contains(html);
    assertThatThrownBy(() -> ctx.reports().html("nope-00000000"))
        .isInstanceOf(ExperimentNotFoundException.class)
        .hasMessageContaining("nope-00000000");
    assertThatThrownBy(
            () ->
                ctx.aws()
                    .s3()
                    .getObject(b -> b.bucket(BUCKET).key(ReportStorage.key("nope-00000000"))))
        .isInstanceOf(NoSuchKeyException.class);
  }
}
