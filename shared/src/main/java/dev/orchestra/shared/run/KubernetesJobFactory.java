package dev.orchestra.shared.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the Kubernetes objects of one run attempt: the Job and, when run.yml has {@code aws}
 * credentials, the Secret holding them. Pure: the same workload and settings give the same objects.
 *
 * <p>The pod has two containers sharing the emptyDir {@value #SHARED_DIR}:
 *
 * <ul>
 *   <li>{@value #TRAINING_CONTAINER} runs the user's image. Its command is a {@code /bin/sh}
 *       wrapper around the user's command (so the image needs nothing but a shell): it marks the
 *       start, sends the command's output to {@code output.log}, writes the exit status to {@code
 *       exit_code} and exits with it. It sees the run contract's environment, never the nonce.
 *   <li>{@value #REPORTER_CONTAINER} runs the reporter image with the reporter script: heartbeats
 *       while {@code exit_code} is absent, then the output upload and one result message. Only it
 *       holds the nonce. It is a regular container, not a sidecar, so the pod ends only after the
 *       result is sent.
 * </ul>
 */
public final class KubernetesJobFactory {

  public static final String TRAINING_CONTAINER = "training";
  public static final String REPORTER_CONTAINER = "reporter";

  /** The emptyDir both containers mount. */
  public static final String SHARED_DIR = "/orchestra";

  public static final String SHARED_VOLUME = "orchestra";

  /** Where the training process writes its metrics ({@code ORCHESTRA_METRICS_FILE}). */
  public static final String METRICS_FILE = SHARED_DIR + "/metrics.json";

  /** Secret keys, named like the environment variables they become. */
  public static final String SECRET_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";

  public static final String SECRET_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

  /** Tells the reporter (and readers of the spec) where the shared directory is. */
  public static final String DIR_ENV = "ORCHESTRA_DIR";

  public static final String START_TIMEOUT_ENV = "ORCHESTRA_START_TIMEOUT_SECONDS";

  private static final int MAX_NAME = 63;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

  private static final Map<String, String> REPORTER_REQUESTS =
      Map.of("cpu", "50m", "memory", "128Mi");
  private static final Map<String, String> REPORTER_LIMITS = Map.of("memory", "256Mi");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JobSettings settings;

  public KubernetesJobFactory(JobSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** The deterministic name of the Secret holding one attempt's run.yml credentials. */
  public static String credentialsSecretName(String runId, int attempt) {
    return RunContract.workloadName(runId, attempt) + "-aws";
  }

  /**
   * The shell wrapper the training container runs; {@code $1} is the user's command. Plain POSIX sh
   * (dash, busybox ash, bash): no pipes, so the command's own exit status is the one recorded. The
   * wrapper is the container's PID 1, which the kernel shields from signals it does not handle, so
   * it passes TERM and INT on to the command (a spot interruption or a deleted Job then reaches the
   * training process, which may checkpoint) and waits until the command has ended.
   */
  public static String trainingWrapper(String dir) {
    // A signal can arrive before $! is known (the command may already be printing): the trap
    // records it, and it is forwarded as soon as the child's pid is.
    return "child=\nsig=\n"
        + "trap 'sig=TERM; [ -n \"$child\" ] && kill -TERM \"$child\" 2>/dev/null' TERM\n"
        + "trap 'sig=INT; [ -n \"$child\" ] && kill -INT \"$child\" 2>/dev/null' INT\n"
        + ": > "
        + dir
        + "/started\n"
        + "/bin/sh -c \"$1\" > "
        + dir
        + "/output.log 2>&1 &\n"
        + "child=$!\n"
        + "[ -n \"$sig\" ] && kill \"-$sig\" \"$child\" 2>/dev/null\n"
        + "wait \"$child\"; code=$?\n"
        + "while kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; code=$?; done\n"
        + "echo \"$code\" > "
        + dir
        + "/exit_code\n"
        + "exit \"$code\"\n";
  }

  /** The reporter script (shipped as a resource beside this class). */
  public static String reporterScript() {
    try (InputStream in = KubernetesJobFactory.class.getResourceAsStream("reporter.sh")) {
      if (in == null) {
        throw new IllegalStateException("reporter.sh is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The labels of the Job and its pod: experiment id, run id, attempt. */
  public static Map<String, String> labels(Workload workload) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(RunContract.LABEL_EXPERIMENT, workload.experimentId());
    labels.put(RunContract.LABEL_RUN, workload.runId());
    labels.put(RunContract.LABEL_ATTEMPT, Integer.toString(workload.attempt()));
    return labels;
  }

  /** The Job for {@code workload}, named {@code <run id>-a<attempt>}. */
  public Job job(Workload workload) {
    validate(workload);
    Map<String, String> labels = labels(workload);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(RunContract.ANNOTATION_COMMAND, workload.command());
    if (workload.workdir() != null) {
      annotations.put(RunContract.ANNOTATION_WORKDIR, workload.workdir());
    }
    JobBuilder job =
        new JobBuilder()
            .withNewMetadata()
            .withName(workload.name())
            .withNamespace(RunContract.NAMESPACE)
            .withLabels(labels)
            .withAnnotations(annotations)
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withTtlSecondsAfterFinished(settings.ttlSecondsAfterFinished())
            .withActiveDeadlineSeconds(settings.activeDeadlineSeconds())
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withServiceAccountName(settings.serviceAccountName())
            // Neither container talks to the Kubernetes API; Pod Identity has its own token.
            .withAutomountServiceAccountToken(false)
            .withNodeSelector(workload.gpus() > 0 ? Map.of(NodeGroups.LABEL, NodeGroups.GPU) : null)
            .withTolerations(workload.gpus() > 0 ? List.of(gpuToleration()) : List.of())
            .addNewVolume()
            .withName(SHARED_VOLUME)
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .withContainers(trainingContainer(workload), reporterContainer(workload))
            .endSpec()
            .endTemplate()
            .endSpec();
    return job.build();
  }

  /** The Secret named {@code workload.credentialsSecret()} holding run.yml's credentials. */
  public Secret credentialsSecret(Workload workload, RunCredentials credentials) {
    validate(workload);
    if (workload.credentialsSecret() == null) {
      throw new InvalidWorkloadException(
          "workload " + workload.name() + " names no credentials Secret");
    }
    Map<String, String> data = new TreeMap<>();
    data.put(SECRET_ACCESS_KEY_ID, credentials.accessKeyId());
    data.put(SECRET_SECRET_ACCESS_KEY, credentials.secretAccessKey());
    return new SecretBuilder()
        .withNewMetadata()
        .withName(workload.credentialsSecret())
        .withNamespace(RunContract.NAMESPACE)
        .withLabels(labels(workload))
        .endMetadata()
        .withType("Opaque")
        .withStringData(data)
        .build();
  }

  /**
   * The run contract's environment of the training process, in order: experiment and run ids, the
   * assignments as JSON, one {@code ORCHESTRA_PARAM_<NAME>} per parameter, and the metrics file
   * (under {@code dir}, the folder shared with the carrier). The same for a Kubernetes Job and a
   * pool agent's container; the nonce is never part of it.
   */
  public static Map<String, String> trainingEnvironment(Workload workload, String dir) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(RunContract.EXPERIMENT_ID, workload.experimentId());
    env.put(RunContract.RUN_ID, workload.runId());
    env.put(RunContract.ASSIGNMENTS, assignmentsJson(workload));
    Map<String, String> seen = new TreeMap<>();
    for (Map.Entry<String, Object> assignment : new TreeMap<>(workload.assignments()).entrySet()) {
      String name = RunContract.paramEnvName(assignment.getKey());
      String clash = seen.put(name, assignment.getKey());
      if (clash != null) {
        throw new InvalidWorkloadException(
            "parameters '"
                + clash
                + "' and '"
                + assignment.getKey()
                + "' both become "
                + name
                + "; rename one in experiment.yml");
      }
      env.put(name, paramValue(assignment.getValue()));
    }
    env.put(RunContract.METRICS_FILE, dir + "/metrics.json");
    return env;
  }

  private Container trainingContainer(Workload workload) {
    List<EnvVar> env = new ArrayList<>();
    trainingEnvironment(workload, SHARED_DIR).forEach((k, v) -> env.add(env(k, v)));
    if (workload.credentialsSecret() != null) {
      env.add(secretEnv(SECRET_ACCESS_KEY_ID, workload.credentialsSecret()));
      env.add(secretEnv(SECRET_SECRET_ACCESS_KEY, workload.credentialsSecret()));
    }
    Map<String, Quantity> requests = quantities(workload.requests(), "requests");
    Map<String, Quantity> limits = quantities(workload.limits(), "limits");
    if (workload.gpus() > 0) {
      // Extended resources must have requests equal to limits.
      Quantity gpus = new Quantity(Integer.toString(workload.gpus()));
      requests.put(NodeGroups.GPU_RESOURCE, gpus);
      limits.put(NodeGroups.GPU_RESOURCE, gpus);
    }
    return new ContainerBuilder()
        .withName(TRAINING_CONTAINER)
        .withImage(workload.image())
        .withCommand(
            "/bin/sh", "-c", trainingWrapper(SHARED_DIR), "orchestra-training", workload.command())
        .withEnv(env)
        .withNewResources()
        .withRequests(requests)
        .withLimits(limits)
        .endResources()
        .addNewVolumeMount()
        .withName(SHARED_VOLUME)
        .withMountPath(SHARED_DIR)
        .endVolumeMount()
        .build();
  }

  private Container reporterContainer(Workload workload) {
    List<EnvVar> env = new ArrayList<>();
    env.add(env(RunContract.EXPERIMENT_ID, workload.experimentId()));
    env.add(env(RunContract.RUN_ID, workload.runId()));
    env.add(env(RunContract.ATTEMPT, Integer.toString(workload.attempt())));
    env.add(env(RunContract.NONCE, workload.nonce()));
    env.add(env(RunContract.RESULTS_QUEUE_URL, settings.resultsQueueUrl()));
    env.add(env(RunContract.BUCKET, settings.bucket()));
    env.add(env(RunContract.HEARTBEAT_SECONDS, Integer.toString(settings.heartbeatSeconds())));
    env.add(env(START_TIMEOUT_ENV, Integer.toString(settings.startTimeoutSeconds())));
    env.add(env(DIR_ENV, SHARED_DIR));
    // Pod Identity supplies credentials, not the region; the CLI needs one.
    env.add(env("AWS_REGION", settings.region()));
    env.add(env("AWS_DEFAULT_REGION", settings.region()));
    return new ContainerBuilder()
        .withName(REPORTER_CONTAINER)
        .withImage(settings.reporterImage())
        .withCommand("/bin/sh", "-c")
        .withArgs(reporterScript(), "orchestra-reporter")
        .withEnv(env)
        .withNewResources()
        .withRequests(quantities(REPORTER_REQUESTS, "reporter requests"))
        .withLimits(quantities(REPORTER_LIMITS, "reporter limits"))
        .endResources()
        .addNewVolumeMount()
        .withName(SHARED_VOLUME)
        .withMountPath(SHARED_DIR)
        .endVolumeMount()
        .build();
  }

  private static Toleration gpuToleration() {
    return new TolerationBuilder()
        .withKey(NodeGroups.GPU_RESOURCE)
        .withOperator("Exists")
        .withEffect("NoSchedule")
        .build();
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static EnvVar secretEnv(String key, String secretName) {
    return new EnvVarBuilder()
        .withName(key)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secretName)
        .withKey(key)
        .withOptional(false)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static String assignmentsJson(Workload workload) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(workload.assignments()));
    } catch (JsonProcessingException e) {
      throw new InvalidWorkloadException(
          "assignments of " + workload.name() + " are not JSON: " + e.getOriginalMessage());
    }
  }

  /** Numbers as JSON writes them, so {@code ORCHESTRA_PARAM_X} equals the assignments' value. */
  private static String paramValue(Object value) {
    if (value instanceof String s) {
      return s;
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new InvalidWorkloadException("assignment value " + value + " is not a JSON value");
    }
  }

  private static Map<String, Quantity> quantities(Map<String, String> values, String field) {
    Map<String, Quantity> out = new TreeMap<>();
    if (values == null) {
      return out;
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      try {
        Quantity q = Quantity.parse(e.getValue());
        Quantity.getAmountInBytes(q);
        out.put(e.getKey(), q);
      } catch (RuntimeException ex) {
        throw new InvalidWorkloadException(
            "run.yml resources."
                + field
                + "."
                + e.getKey()
                + ": '"
                + e.getValue()
                + "' is not a Kubernetes quantity; write e.g. 500m, 2, 4Gi");
      }
    }
    return out;
  }

  private static void validate(Workload w) {
    Objects.requireNonNull(w, "workload");
    requireText(w.experimentId(), "experimentId");
    requireText(w.runId(), "runId");
    requireText(w.nonce(), "nonce");
    requireText(w.image(), "image");
    requireText(w.command(), "command");
    if (w.attempt() < 1) {
      throw new InvalidWorkloadException("attempt of run " + w.runId() + " must be at least 1");
    }
    if (w.gpus() < 0) {
      throw new InvalidWorkloadException("gpus of run " + w.runId() + " must not be negative");
    }
    String name = w.name();
    if (name.length() > MAX_NAME || !DNS_LABEL.matcher(name).matches()) {
      throw new InvalidWorkloadException(
          "Job name '"
              + name
              + "' must be at most "
              + MAX_NAME
              + " lower-case letters, digits and '-' (it is "
              + name.length()
              + " characters); shorten the experiment name");
    }
    for (Map.Entry<String, String> label : labels(w).entrySet()) {
      String value = label.getValue();
      if (value.length() > MAX_NAME || !LABEL_VALUE.matcher(value).matches()) {
        throw new InvalidWorkloadException(
            "label "
                + label.getKey()
                + "='"
                + value
                + "' must be at most "
                + MAX_NAME
                + " letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
      }
    }
    if (w.credentialsSecret() != null && !DNS_LABEL.matcher(w.credentialsSecret()).matches()) {
      throw new InvalidWorkloadException(
          "credentials Secret name '" + w.credentialsSecret() + "' is not a DNS label");
    }
    if (w.assignments() == null) {
      throw new InvalidWorkloadException("assignments of run " + w.runId() + " are missing");
    }
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidWorkloadException("workload field " + field + " is empty");
    }
  }
}
