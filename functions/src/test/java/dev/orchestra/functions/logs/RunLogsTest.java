package dev.orchestra.functions.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.FinishResult;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Outcome;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunNotFoundException;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.run.RunStorage;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** RunLogs against moto: the real store (DynamoDB) and real ranged S3 reads. */
class RunLogsTest {
  static final String BUCKET = "orchestra-logs";
  static MotoServer moto;
  static AwsClients aws;
  static DynamoDbExperimentStore store;
  static final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    aws = new AwsClients(moto.config(Map.of()));
    DynamoDbExperimentStore.createTable(aws.dynamo(), "experiments");
    store = new DynamoDbExperimentStore(aws.dynamo(), "experiments");
    aws.s3().createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stop() {
    aws.close();
    moto.close();
  }

  static RunLogs logs(int maxChunk) {
    return new RunLogs(store, aws.s3(), BUCKET, maxChunk);
  }

  /** A running experiment with one run at attempt 1, dispatched. */
  static ExperimentRecord experimentWithRun() {
    ExperimentPlan plan =
        new ExperimentPlan(
            "logs",
            SearchType.RANDOM,
            new SearchSpace(
                List.of(),
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
    String id = "logs-" + ids.incrementAndGet();
    ExperimentRecord e = ExperimentRecord.pending(id, plan, BUCKET, null, "now");
    store.createExperiment(e);
    store.markRunning(id);
    store.issueRun(id, run(id), 1);
    store.startAttempt(id, run(id), 1, "nonce", "token").orElseThrow();
    return store.experiment(id).orElseThrow();
  }

  static String run(String experimentId) {
    return ExperimentIds.runId(experimentId, 1);
  }

  static void put(String experimentId, int attempt, String text, String state) {
    aws.s3()
        .putObject(
            b ->
                b.bucket(BUCKET)
                    .key(RunStorage.outputKey(experimentId, run(experimentId), attempt))
                    .metadata(state == null ? Map.of() : Map.of(RunStorage.OUTPUT_STATE, state)),
            RequestBody.fromString(text, StandardCharsets.UTF_8));
  }

  static void finish(ExperimentRecord e, int attempt, RunStatus status, String reason) {
    Outcome outcome = new Outcome(status, null, reason, null, null, List.of());
    assertThat(store.finishRun(e, run(e.id()), attempt, outcome, null))
        .isEqualTo(FinishResult.FINISHED);
  }

  @Test
  void read_followsOffsets_inChunksOfAtMostTheLimit_untilCompleteAfterTheFinalUpload() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    RunLogs logs = logs(4);
    put(id, 1, "abcdef", RunStorage.PARTIAL);

    RunLogs.Chunk first = logs.read(id, run(id), null, 0);
    assertThat(first).isEqualTo(new RunLogs.Chunk(run(id), 1, 0, 4, false, "abcd"));
    RunLogs.Chunk second = logs.read(id, run(id), null, first.nextOffset());
    assertThat(second).isEqualTo(new RunLogs.Chunk(run(id), 1, 4, 6, false, "ef"));
    RunLogs.Chunk atEnd = logs.read(id, run(id), null, second.nextOffset());
    assertThat(atEnd)
        .as("at the end of a running attempt's output: nothing yet, not complete")
        .isEqualTo(new RunLogs.Chunk(run(id), 1, 6, 6, false, ""));

    put(id, 1, "abcdefgh\n", RunStorage.FINAL);
    finish(e, 1, RunStatus.SUCCEEDED, null);

    RunLogs.Chunk more = logs.read(id, run(id), null, 6);
    assertThat(more).isEqualTo(new RunLogs.Chunk(run(id), 1, 6, 9, true, "gh\n"));
    assertThat(logs.read(id, run(id), 1, 9).complete()).isTrue();
    assertThat(logs.read(id, run(id), 1, 0).complete())
        .as("not complete before the end was read")
        .isFalse();
  }

  @Test
  void read_neverEndsAChunkInsideAUtf8Character() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    put(id, 1, "aé漢b", RunStorage.FINAL); // 1 + 2 + 3 + 1 bytes
    finish(e, 1, RunStatus.SUCCEEDED, null);
    RunLogs logs = logs(4);

    RunLogs.Chunk first = logs.read(id, run(id), null, 0);
    assertThat(first.text()).isEqualTo("aé");
    assertThat(first.nextOffset()).isEqualTo(3);
    RunLogs.Chunk second = logs.read(id, run(id), null, first.nextOffset());
    assertThat(second.text()).isEqualTo("漢b");
    assertThat(second.nextOffset()).isEqualTo(7);
    assertThat(second.complete()).isTrue();
  }

  @Test
  void read_defaultChunk_isOneMebibyte() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    put(id, 1, "x".repeat(RunLogs.MAX_CHUNK_BYTES + 10), RunStorage.FINAL);

    RunLogs.Chunk chunk = new RunLogs(store, aws.s3(), BUCKET).read(id, run(id), null, 0);

    assertThat(chunk.nextOffset()).isEqualTo(RunLogs.MAX_CHUNK_BYTES);
    assertThat(chunk.text()).hasSize(RunLogs.MAX_CHUNK_BYTES);
    assertThat(chunk.complete()).isFalse();
  }

  @Test
  void read_attemptDefaultsToTheCurrentOne_andEarlierAttemptsStayReadable() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    put(id, 1, "first try\n", RunStorage.PARTIAL);
    assertThat(
            store.nextAttempt(
                id, run(id), 1, List.of(new RunRecord.Attempt(1, Reasons.LOST, null))))
        .isTrue();
    put(id, 2, "second try\n", RunStorage.PARTIAL);

    RunLogs.Chunk current = logs(1024).read(id, run(id), null, 0);
    assertThat(current.attempt()).isEqualTo(2);
    assertThat(current.text()).isEqualTo("second try\n");
    assertThat(current.complete()).as("attempt 2 is running").isFalse();
    RunLogs.Chunk lost = logs(1024).read(id, run(id), 1, 0);
    assertThat(lost.text()).isEqualTo("first try\n");
    assertThat(lost.complete())
        .as("a lost attempt's carrier is gone: what was uploaded is all there is")
        .isTrue();
  }

  @Test
  void read_attemptTheControlPlaneEnded_waitsForItsCarriersFinalUpload() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    put(id, 1, "partial\n", RunStorage.PARTIAL);
    finish(e, 1, RunStatus.FAILED, Reasons.TIMEOUT);

    assertThat(logs(1024).read(id, run(id), null, 0).complete()).isFalse();
    put(id, 1, "partial\nkilled\n", RunStorage.FINAL);
    RunLogs.Chunk whole = logs(1024).read(id, run(id), null, 0);
    assertThat(whole.text()).isEqualTo("partial\nkilled\n");
    assertThat(whole.complete()).isTrue();
  }

  @Test
  void read_endedAttemptWithoutOutput_isCompleteAndEmpty_runningOneIsNot() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    assertThat(logs(1024).read(id, run(id), null, 0))
        .isEqualTo(new RunLogs.Chunk(run(id), 1, 0, 0, false, ""));
    finish(e, 1, RunStatus.FAILED, Reasons.HEARTBEAT_LOST);
    assertThat(logs(1024).read(id, run(id), null, 0))
        .isEqualTo(new RunLogs.Chunk(run(id), 1, 0, 0, true, ""));
  }

  @Test
  void read_objectWithoutStateMetadata_isAFinalOne() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    put(id, 1, "from an older carrier\n", null);
    finish(e, 1, RunStatus.STOPPED, Reasons.STOPPED);

    assertThat(logs(1024).read(id, run(id), null, 0).complete()).isTrue();
  }

  @Test
  void read_unknownExperimentRunOrAttempt_isNotFound_andNegativeOffsetIsRefused() {
    ExperimentRecord e = experimentWithRun();
    String id = e.id();
    RunLogs logs = logs(1024);

    assertThatThrownBy(() -> logs.read("nope-00000000", "nope-00000000-r00001", null, 0))
        .isExactlyInstanceOf(ExperimentNotFoundException.class)
        .hasMessageContaining("nope-00000000");
    assertThatThrownBy(() -> logs.read(id, id + "-r00099", null, 0))
        .isInstanceOf(RunNotFoundException.class)
        .isInstanceOf(ExperimentNotFoundException.class)
        .hasMessageContaining(id + "-r00099");
    assertThatThrownBy(() -> logs.read(id, run(id), 2, 0))
        .isInstanceOf(RunNotFoundException.class)
        .hasMessageContaining("no attempt 2");
    assertThatThrownBy(() -> logs.read(id, run(id), null, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset -1");
  }

  @Test
  void incompleteTail_countsTheBytesOfACharacterCutAtTheEnd() {
    byte[] han = "漢".getBytes(StandardCharsets.UTF_8);
    assertThat(RunLogs.incompleteTail(new byte[] {'a', han[0]})).isEqualTo(1);
    assertThat(RunLogs.incompleteTail(new byte[] {'a', han[0], han[1]})).isEqualTo(2);
    assertThat(RunLogs.incompleteTail(han)).isZero();
    assertThat(RunLogs.incompleteTail("ab".getBytes(StandardCharsets.UTF_8))).isZero();
    assertThat(RunLogs.incompleteTail(new byte[0])).isZero();
  }
}
