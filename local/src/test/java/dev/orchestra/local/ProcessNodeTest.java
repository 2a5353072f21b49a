package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.local.testing.TestFunctions;
import dev.orchestra.shared.run.RunContract;
import dev.orchestra.shared.run.RunStorage;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs created in the mock Kubernetes API run as local processes and report like the reporter. */
class ProcessNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalRuntime runtime;
  private static KubernetesClient k8s;
  private static final List<JsonNode> MESSAGES = new CopyOnWriteArrayList<>();

  @TempDir static Path workdir;

  @BeforeAll
  static void start() throws Exception {
    runtime =
        LocalRuntime.start(
            LocalRuntimeOptions.of(
                new TestFunctions()
                    .add(
                        "results",
                        (in, out, ctx) -> {
                          for (JsonNode r : JSON.readTree(in).get("Records")) {
                            MESSAGES.add(JSON.readTree(r.get("body").asText()));
                          }
                        }),
                env ->
                    ResourcePlan.builder()
                        .queue("results", Map.of())
                        .bucket("artifacts")
                        .eventSource("results", "results", 10, 1)
                        .build()));
    k8s = runtime.kubernetes().client();
    k8s.secrets()
        .inNamespace(RunContract.NAMESPACE)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("run-credentials")
                .endMetadata()
                .withData(
                    Map.of(
                        "key", java.util.Base64.getEncoder().encodeToString("s3cr3t".getBytes())))
                .build())
        .create();
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  private static Job job(String runId, String command) {
    List<EnvVar> training = new ArrayList<>();
    training.add(new EnvVar(RunContract.EXPERIMENT_ID, "exp-1", null));
    training.add(new EnvVar(RunContract.RUN_ID, runId, null));
    training.add(new EnvVar(RunContract.ASSIGNMENTS, "{\"a\":3}", null));
    training.add(new EnvVar(RunContract.paramEnvName("a"), "3", null));
    training.add(new EnvVar(RunContract.METRICS_FILE, "/metrics/in/the/pod.json", null));
    training.add(
        new EnvVarBuilder()
            .withName("SECRET_VALUE")
            .withNewValueFrom()
            .withNewSecretKeyRef("key", "run-credentials", false)
            .endValueFrom()
            .build());
    List<EnvVar> reporter =
        List.of(
            new EnvVar(RunContract.NONCE, "nonce-" + runId, null),
            new EnvVar(RunContract.ATTEMPT, "1", null),
            new EnvVar(
                RunContract.RESULTS_QUEUE_URL, runtime.environment().queueUrl("results"), null),
            new EnvVar(RunContract.BUCKET, "artifacts", null),
            new EnvVar(RunContract.HEARTBEAT_SECONDS, "0.2", null));
    return new JobBuilder()
        .withNewMetadata()
        .withName(RunContract.workloadName(runId, 1))
        .withNamespace(RunContract.NAMESPACE)
        .withLabels(
            Map.of(
                RunContract.LABEL_EXPERIMENT,
                "exp-1",
                RunContract.LABEL_RUN,
                runId,
                RunContract.LABEL_ATTEMPT,
                "1"))
        .withAnnotations(
            Map.of(
                RunContract.ANNOTATION_COMMAND,
                command,
                RunContract.ANNOTATION_WORKDIR,
                workdir.toString()))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("training")
        .withImage("busybox")
        .withEnv(training)
        .endContainer()
        .addNewContainer()
        .withName("reporter")
        .withImage("reporter")
        .withEnv(reporter)
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static JsonNode result(String runId) {
    return Poll.until(
        "the result of " + runId,
        Duration.ofSeconds(30),
        () ->
            MESSAGES.stream()
                .filter(
                    m ->
                        m.get("run_id").asText().equals(runId)
                            && m.get("kind").asText().equals("result"))
                .findFirst()
                .orElse(null));
  }

  private static String jobCondition(String runId) {
    return Poll.until(
        "the status of " + runId,
        Duration.ofSeconds(30),
        () -> {
          Job j =
              k8s.batch()
                  .v1()
                  .jobs()
                  .inNamespace(RunContract.NAMESPACE)
                  .withName(RunContract.workloadName(runId, 1))
                  .get();
          if (j == null
              || j.getStatus() == null
              || j.getStatus().getConditions() == null
              || j.getStatus().getConditions().isEmpty()) {
            return null;
          }
          return j.getStatus().getConditions().get(0).getType();
        });
  }

  @Test
  void succeedingJob_runsWithTheContractEnv_sendsHeartbeatsAndResult_uploadsOutput()
      throws Exception {
    String command =
        "echo \"a=$ORCHESTRA_PARAM_A secret=$SECRET_VALUE nonce=${ORCHESTRA_NONCE:-hidden}"
            + " queue=${ORCHESTRA_RESULTS_QUEUE_URL:-hidden} dir=$(pwd)\"; sleep 0.5;"
            + " printf '{\"loss\": 0.5, \"steps\": 7, \"bad\": NaN, \"worse\": -Infinity}' > \"$ORCHESTRA_METRICS_FILE\"";
    k8s.batch()
        .v1()
        .jobs()
        .inNamespace(RunContract.NAMESPACE)
        .resource(job("exp-1-r00001", command))
        .create();

    JsonNode result = result("exp-1-r00001");
    assertThat(result.get("v").asInt()).isEqualTo(1);
    assertThat(result.get("experiment_id").asText()).isEqualTo("exp-1");
    assertThat(result.get("attempt").asInt()).isEqualTo(1);
    assertThat(result.get("nonce").asText()).isEqualTo("nonce-exp-1-r00001");
    assertThat(result.get("exit_code").asInt()).isZero();
    assertThat(result.get("metrics").get("loss").asDouble()).isEqualTo(0.5);
    assertThat(result.get("metrics").get("steps").asLong()).isEqualTo(7);
    assertThat(result.get("metrics").get("bad").asText()).isEqualTo("NaN");
    assertThat(result.get("metrics").get("worse").asText()).isEqualTo("-Infinity");
    String expectedLine = "a=3 secret=s3cr3t nonce=hidden queue=hidden dir=" + workdir.toRealPath();
    assertThat(result.get("output_tail").asText()).isEqualTo(expectedLine + "\n");
    assertThat(MESSAGES)
        .anyMatch(
            m ->
                m.get("run_id").asText().equals("exp-1-r00001")
                    && m.get("kind").asText().equals("heartbeat")
                    && m.get("nonce").asText().equals("nonce-exp-1-r00001"));
    String uploaded =
        runtime
            .aws()
            .s3()
            .getObjectAsBytes(
                b -> b.bucket("artifacts").key(RunStorage.outputKey("exp-1", "exp-1-r00001", 1)))
            .asUtf8String();
    assertThat(uploaded).isEqualTo(expectedLine + "\n");
    assertThat(jobCondition("exp-1-r00001")).isEqualTo("Complete");
  }

  private static software.amazon.awssdk.core.ResponseBytes<
          software.amazon.awssdk.services.s3.model.GetObjectResponse>
      output(String runId) {
    try {
      return runtime
          .aws()
          .s3()
          .getObjectAsBytes(
              b -> b.bucket("artifacts").key(RunStorage.outputKey("exp-1", runId, 1)));
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException notYet) {
      return null;
    }
  }

  @Test
  void runningJob_outputIsUploadedOnHeartbeats_markedPartial_thenWholeMarkedFinal()
      throws Exception {
    Path go = workdir.resolve("go-r00004");
    String command = "echo first; until [ -f '" + go + "' ]; do sleep 0.05; done; echo second";
    k8s.batch()
        .v1()
        .jobs()
        .inNamespace(RunContract.NAMESPACE)
        .resource(job("exp-1-r00004", command))
        .create();

    var partial =
        Poll.until(
            "the output so far in S3",
            Duration.ofSeconds(30),
            () -> {
              var o = output("exp-1-r00004");
              return o != null && o.asUtf8String().equals("first\n") ? o : null;
            });
    assertThat(partial.response().metadata())
        .containsEntry(RunStorage.OUTPUT_STATE, RunStorage.PARTIAL);
    Files.writeString(go, "");

    assertThat(result("exp-1-r00004").get("exit_code").asInt()).isZero();
    var whole = output("exp-1-r00004");
    assertThat(whole.asUtf8String()).isEqualTo("first\nsecond\n");
    assertThat(whole.response().metadata())
        .containsEntry(RunStorage.OUTPUT_STATE, RunStorage.FINAL);
  }

  @Test
  void failingJob_withoutMetricsFile_reportsExitCodeAndWhy() {
    String command = "for i in $(seq 1 60); do echo line $i; done; exit 3";
    k8s.batch()
        .v1()
        .jobs()
        .inNamespace(RunContract.NAMESPACE)
        .resource(job("exp-1-r00002", command))
        .create();

    JsonNode result = result("exp-1-r00002");
    assertThat(result.get("exit_code").asInt()).isEqualTo(3);
    assertThat(result.has("metrics")).isFalse();
    String tail = result.get("output_tail").asText();
    // 50 lines in all: the last 49 of the output, then the carrier's note.
    assertThat(tail).startsWith("line 12\n").contains("line 60\n").doesNotContain("line 11\n");
    assertThat(tail.lines()).hasSize(RunContract.TAIL_LINES);
    assertThat(tail)
        .endsWith("orchestra: the run wrote no metrics file (ORCHESTRA_METRICS_FILE)\n");
    assertThat(jobCondition("exp-1-r00002")).isEqualTo("Failed");
  }

  @Test
  void deletedJob_killsItsProcess_andSendsNoResult() throws Exception {
    Path pidFile = workdir.resolve("pid-r3");
    String command = "echo $$ > " + pidFile + "; exec sleep 60";
    k8s.batch()
        .v1()
        .jobs()
        .inNamespace(RunContract.NAMESPACE)
        .resource(job("exp-1-r00003", command))
        .create();
    long pid =
        Poll.until(
            "the process to start",
            Duration.ofSeconds(30),
            () -> {
              try {
                String s = Files.exists(pidFile) ? Files.readString(pidFile).trim() : "";
                return s.isEmpty() ? null : Long.parseLong(s);
              } catch (java.io.IOException e) {
                return null;
              }
            });
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

    k8s.batch()
        .v1()
        .jobs()
        .inNamespace(RunContract.NAMESPACE)
        .withName(RunContract.workloadName("exp-1-r00003", 1))
        .delete();

    Poll.until(
        "the process to die",
        Duration.ofSeconds(30),
        () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    Poll.until(
        "the node to forget it",
        Duration.ofSeconds(10),
        () -> runtime.processNode().runningCount() == 0);
    assertThat(MESSAGES)
        .noneMatch(
            m ->
                m.get("run_id").asText().equals("exp-1-r00003")
                    && m.get("kind").asText().equals("result"));
  }
}
