package dev.orchestra.shared.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KubernetesJobFactoryTest {

  static final String IMAGE = "registry.example/reporter@sha256:" + "ab".repeat(32);
  static final JobSettings SETTINGS =
      JobSettings.of(IMAGE, "https://sqs.eu-west-1.amazonaws.com/123/results", "bkt", "eu-west-1");

  static Workload workload(int gpus, String secret) {
    Map<String, Object> assignments = new LinkedHashMap<>();
    assignments.put("learning-rate", 0.001);
    assignments.put("layers", 3L);
    assignments.put("optimizer", "adam");
    return new Workload(
        "mnist-0123abcd",
        "mnist-0123abcd-r00007",
        2,
        "nonce-5f3a",
        assignments,
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:latest",
        "python train.py --epochs 3",
        Map.of("cpu", "1500m", "memory", "4Gi", "ephemeral-storage", "10Gi"),
        Map.of("memory", "6Gi"),
        gpus,
        secret,
        null);
  }

  static PodSpec pod(Job job) {
    return job.getSpec().getTemplate().getSpec();
  }

  static Container container(Job job, String name) {
    return pod(job).getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  final KubernetesJobFactory factory = new KubernetesJobFactory(SETTINGS);

  @Test
  void job_isNamedAfterRunAndAttempt_inRunsNamespace_withLabelsOnJobAndPod() {
    Job job = factory.job(workload(0, null));

    assertThat(job.getMetadata().getName()).isEqualTo("mnist-0123abcd-r00007-a2");
    assertThat(job.getMetadata().getNamespace()).isEqualTo("orchestra-runs");
    Map<String, String> expected =
        Map.of(
            "orchestra.dev/experiment", "mnist-0123abcd",
            "orchestra.dev/run", "mnist-0123abcd-r00007",
            "orchestra.dev/attempt", "2");
    assertThat(job.getMetadata().getLabels()).isEqualTo(expected);
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(expected);
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry("orchestra.dev/command", "python train.py --epochs 3")
        .doesNotContainKey("orchestra.dev/workdir");
  }

  @Test
  void job_isIdempotent_sameWorkloadGivesEqualJob() {
    assertThat(factory.job(workload(1, "s"))).isEqualTo(factory.job(workload(1, "s")));
  }

  @Test
  void job_neverRetries_isCleanedUp_andHasNoDeadlineUnlessAsked() {
    Job job = factory.job(workload(0, null));

    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isNull();
    assertThat(pod(job).getRestartPolicy()).isEqualTo("Never");

    Job limited =
        new KubernetesJobFactory(
                SETTINGS.withActiveDeadlineSeconds(5400L).withTtlSecondsAfterFinished(60))
            .job(workload(0, null));
    assertThat(limited.getSpec().getActiveDeadlineSeconds()).isEqualTo(5400L);
    assertThat(limited.getSpec().getTtlSecondsAfterFinished()).isEqualTo(60);
  }

  @Test
  void training_hasRequestsAndLimitsAsQuantities_andNoGpuScheduling_whenNoGpus() {
    Job job = factory.job(workload(0, null));
    Container training = container(job, "training");

    assertThat(training.getImage())
        .isEqualTo("123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:latest");
    assertThat(training.getResources().getRequests())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "cpu", new Quantity("1500m"),
                "memory", new Quantity("4Gi"),
                "ephemeral-storage", new Quantity("10Gi")));
    assertThat(training.getResources().getLimits())
        .containsExactlyEntriesOf(Map.of("memory", new Quantity("6Gi")));
    assertThat(pod(job).getNodeSelector()).isNullOrEmpty();
    assertThat(pod(job).getTolerations()).isEmpty();
  }

  @Test
  void training_withGpus_limitsAndRequestsGpus_selectsGpuNodes_andToleratesTheirTaint() {
    Job job = factory.job(workload(2, null));
    Container training = container(job, "training");

    assertThat(training.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(training.getResources().getRequests())
        .containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(pod(job).getNodeSelector()).isEqualTo(Map.of("orchestra.dev/node-group", "gpu"));
    assertThat(pod(job).getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
              assertThat(t.getOperator()).isEqualTo("Exists");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    assertThat(container(job, "reporter").getResources().getLimits())
        .doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void training_seesTheRunContract_withOneVariablePerParameter() throws Exception {
    Map<String, EnvVar> env = env(container(factory.job(workload(0, null)), "training"));

    assertThat(env.get("ORCHESTRA_EXPERIMENT_ID").getValue()).isEqualTo("mnist-0123abcd");
    assertThat(env.get("ORCHESTRA_RUN_ID").getValue()).isEqualTo("mnist-0123abcd-r00007");
    assertThat(env.get("ORCHESTRA_METRICS_FILE").getValue()).isEqualTo("/orchestra/metrics.json");
    assertThat(env.get("ORCHESTRA_PARAM_LEARNING_RATE").getValue()).isEqualTo("0.001");
    assertThat(env.get("ORCHESTRA_PARAM_LAYERS").getValue()).isEqualTo("3");
    assertThat(env.get("ORCHESTRA_PARAM_OPTIMIZER").getValue()).isEqualTo("adam");
    Map<?, ?> assignments =
        new ObjectMapper().readValue(env.get("ORCHESTRA_ASSIGNMENTS").getValue(), Map.class);
    assertThat(assignments)
        .isEqualTo(Map.of("learning-rate", 0.001, "layers", 3, "optimizer", "adam"));
  }

  @Test
  void nonce_isOnlyInTheReporter() {
    Job job = factory.job(workload(1, "mnist-0123abcd-r00007-a2-aws"));
    Container training = container(job, "training");
    Container reporter = container(job, "reporter");

    assertThat(env(training)).doesNotContainKey("ORCHESTRA_NONCE");
    assertThat(training.toString()).doesNotContain("nonce-5f3a");
    assertThat(job.getMetadata().toString()).doesNotContain("nonce-5f3a");
    assertThat(env(reporter).get("ORCHESTRA_NONCE").getValue()).isEqualTo("nonce-5f3a");
  }

  @Test
  void reporter_runsTheScript_withPinnedImage_serviceAccount_andCarrierSettings() {
    Job job =
        new KubernetesJobFactory(SETTINGS.withHeartbeatSeconds(6).withStartTimeoutSeconds(90))
            .job(workload(0, null));
    Container reporter = container(job, "reporter");
    Map<String, EnvVar> env = env(reporter);

    assertThat(reporter.getImage()).isEqualTo(IMAGE);
    assertThat(reporter.getCommand()).containsExactly("/bin/sh", "-c");
    assertThat(reporter.getArgs().get(0)).isEqualTo(KubernetesJobFactory.reporterScript());
    assertThat(pod(job).getServiceAccountName()).isEqualTo("orchestra-reporter");
    assertThat(pod(job).getAutomountServiceAccountToken()).isFalse();
    assertThat(env.get("ORCHESTRA_ATTEMPT").getValue()).isEqualTo("2");
    assertThat(env.get("ORCHESTRA_RESULTS_QUEUE_URL").getValue())
        .isEqualTo("https://sqs.eu-west-1.amazonaws.com/123/results");
    assertThat(env.get("ORCHESTRA_BUCKET").getValue()).isEqualTo("bkt");
    assertThat(env.get("ORCHESTRA_HEARTBEAT_SECONDS").getValue()).isEqualTo("6");
    assertThat(env.get("ORCHESTRA_START_TIMEOUT_SECONDS").getValue()).isEqualTo("90");
    assertThat(env.get("AWS_REGION").getValue()).isEqualTo("eu-west-1");
    assertThat(env.get("ORCHESTRA_EXPERIMENT_ID").getValue()).isEqualTo("mnist-0123abcd");
    assertThat(env.get("ORCHESTRA_RUN_ID").getValue()).isEqualTo("mnist-0123abcd-r00007");
    // Both containers share the emptyDir the wrapper and the reporter talk through.
    assertThat(pod(job).getVolumes())
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(reporter.getVolumeMounts())
        .singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/orchestra"));
    assertThat(container(job, "training").getVolumeMounts())
        .singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/orchestra"));
  }

  @Test
  void training_wrapsTheUserCommandAsAnArgument_notSplicedIntoTheScript() {
    Container training = container(factory.job(workload(0, null)), "training");

    assertThat(training.getCommand())
        .containsExactly(
            "/bin/sh",
            "-c",
            KubernetesJobFactory.trainingWrapper("/orchestra"),
            "orchestra-training",
            "python train.py --epochs 3");
  }

  @Test
  void credentials_comeFromTheSecret_byReference() {
    Workload w =
        workload(0, KubernetesJobFactory.credentialsSecretName("mnist-0123abcd-r00007", 2));
    Map<String, EnvVar> env = env(container(factory.job(w), "training"));

    for (String key : new String[] {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
      assertThat(env.get(key).getValue()).isNull();
      assertThat(env.get(key).getValueFrom().getSecretKeyRef().getName())
          .isEqualTo("mnist-0123abcd-r00007-a2-aws");
      assertThat(env.get(key).getValueFrom().getSecretKeyRef().getKey()).isEqualTo(key);
    }
    assertThat(env(container(factory.job(w), "reporter"))).doesNotContainKey("AWS_ACCESS_KEY_ID");

    Secret secret = factory.credentialsSecret(w, new RunCredentials("AKIAEXAMPLE", "s3cr3t"));
    assertThat(secret.getMetadata().getName()).isEqualTo("mnist-0123abcd-r00007-a2-aws");
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("orchestra-runs");
    assertThat(secret.getStringData())
        .isEqualTo(Map.of("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY", "s3cr3t"));
    assertThat(secret.getMetadata().toString()).doesNotContain("s3cr3t");
    assertThat(new RunCredentials("AKIAEXAMPLE", "s3cr3t").toString()).doesNotContain("s3cr3t");
  }

  @Test
  void workdir_becomesAnAnnotation_whenSet() {
    Workload base = workload(0, null);
    Workload local =
        new Workload(
            base.experimentId(),
            base.runId(),
            base.attempt(),
            base.nonce(),
            base.assignments(),
            base.image(),
            base.command(),
            base.requests(),
            base.limits(),
            0,
            null,
            "/home/me/mnist");

    assertThat(factory.job(local).getMetadata().getAnnotations())
        .containsEntry("orchestra.dev/workdir", "/home/me/mnist");
  }

  @Test
  void name_over63Characters_isRefusedWithTheReason() {
    String experiment = "e".repeat(52) + "-0123abcd";
    Workload w =
        new Workload(
            experiment,
            experiment + "-r00001",
            1,
            "n",
            Map.of(),
            "img",
            "true",
            Map.of(),
            Map.of(),
            0,
            null,
            null);

    assertThatThrownBy(() -> factory.job(w))
        .isInstanceOf(InvalidWorkloadException.class)
        .hasMessageContaining("at most 63")
        .hasMessageContaining(experiment + "-r00001-a1");
  }

  @Test
  void badQuantity_namesTheField() {
    Workload base = workload(0, null);
    Workload w =
        new Workload(
            base.experimentId(),
            base.runId(),
            1,
            "n",
            Map.of(),
            "img",
            "true",
            Map.of("memory", "lots"),
            Map.of(),
            0,
            null,
            null);

    assertThatThrownBy(() -> factory.job(w))
        .isInstanceOf(InvalidWorkloadException.class)
        .hasMessageContaining("resources.requests.memory")
        .hasMessageContaining("'lots'");
  }

  @Test
  void parametersMappingToTheSameVariable_areRefused() {
    Workload base = workload(0, null);
    Workload w =
        new Workload(
            base.experimentId(),
            base.runId(),
            1,
            "n",
            Map.of("learning-rate", 1.0, "learning_rate", 2.0),
            "img",
            "true",
            Map.of(),
            Map.of(),
            0,
            null,
            null);

    assertThatThrownBy(() -> factory.job(w))
        .isInstanceOf(InvalidWorkloadException.class)
        .hasMessageContaining("ORCHESTRA_PARAM_LEARNING_RATE");
  }

  @Test
  void reporterImage_mustBePinnedByDigest() {
    assertThatThrownBy(
            () -> JobSettings.of("public.ecr.aws/aws-cli/aws-cli:latest", "q", "b", "us-east-1"))
        .hasMessageContaining("ORCHESTRA_REPORTER_IMAGE")
        .hasMessageContaining("sha256");
    assertThatThrownBy(() -> JobSettings.of("x@sha256:abc", "q", "b", "us-east-1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(JobSettings.of(JobSettings.LOCAL_REPORTER_IMAGE, "q", "b", "r").reporterImage())
        .endsWith("0".repeat(64));
    assertThat(Optional.of(SETTINGS.reporterImage())).contains(IMAGE);
  }
}
