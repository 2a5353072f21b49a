package dev.orchestra.local.node;

import dev.orchestra.functions.carrier.RunCarrier;
import dev.orchestra.shared.run.RunContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cluster's only node: watches Jobs in {@code orchestra-runs} and runs each as a local
 * process under the run contract, carried by {@link RunCarrier} (heartbeats, result, output),
 * concurrently. The command is the Job's {@code orchestra.dev/command} annotation, run with {@code
 * /bin/sh -c} in its {@code orchestra.dev/workdir}; the environment is the {@code training}
 * container's (secretKeyRef and configMapKeyRef resolved from the API), with a fresh metrics file;
 * the carrier's settings come from the {@code reporter} container's environment.
 *
 * <p>When the process ends the Job's status says so (Complete or Failed). A deleted Job kills its
 * process (the control plane released it). When this JVM dies its processes die with it (the
 * runtime's shutdown hook, or the next node's {@link #recoverLeftovers()} after a SIGKILL), and the
 * next node reports their attempts lost from its ledger, so the control plane retries them.
 */
public final class ProcessNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessNode.class);
  static final String TRAINING = "training";
  private static final int REFERENCE_TRIES = 25;
  static final String REPORTER = "reporter";

  /** The ledger's folder under the state folder. */
  public static final String LEDGER_DIR = "attempts";

  private final KubernetesClient client;
  private final Path defaultWorkdir;
  private final ConcurrentMap<String, RunCarrier.Running> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService starter;
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private final CarriedAttempts attempts;
  private SharedIndexInformer<Job> informer;

  /** What a lost attempt's result says in place of the training output. */
  static final String LOST_NOTE = CarriedAttempts.LOST_NOTE;

  /**
   * @param stateDir where the node keeps its ledger of attempts in flight ({@code attempts/}), so
   *     the next node kills the processes a crashed JVM left behind and reports their attempts lost
   */
  public ProcessNode(
      KubernetesClient client, RunCarrier carrier, Path defaultWorkdir, Path stateDir) {
    this.attempts = new CarriedAttempts(carrier, stateDir.resolve(LEDGER_DIR));
    this.client = client;
    this.defaultWorkdir = defaultWorkdir;
    this.starter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "process-node");
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized ProcessNode start() {
    recoverLeftovers();
    informer =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(RunContract.NAMESPACE)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    // Recorded at once, on the watch thread: launching may wait (one starter
                    // thread, Secrets that come later), and a JVM dying meanwhile must not lose it.
                    recordArrival(job);
                    starter.execute(() -> launch(job, 1));
                  }

                  @Override
                  public void onUpdate(Job oldJob, Job newJob) {}

                  @Override
                  public void onDelete(Job job, boolean unknownFinalState) {
                    starter.execute(() -> release(job));
                  }
                },
                Duration.ofMinutes(10).toMillis());
    return this;
  }

  /**
   * For each attempt a previous runtime JVM left in the ledger: kills its process tree if it still
   * runs, reports the attempt lost to its results queue (the control plane retries the run with the
   * next attempt), and forgets it. An entry whose report could not be sent stays for the next
   * start.
   *
   * @return how many attempts were reported lost
   */
  int recoverLeftovers() {
    return attempts.recoverLeftovers();
  }

  /** The results queues {@link #start()} reported lost attempts to (empty after a clean stop). */
  public Set<String> lostReportedTo() {
    return attempts.lostReportedTo();
  }

  /** How many Job processes are alive. */
  public int runningCount() {
    return running.size();
  }

  private static String key(Job job) {
    return job.getMetadata().getNamespace()
        + "/"
        + job.getMetadata().getName()
        + "/"
        + job.getMetadata().getUid();
  }

  private void recordArrival(Job job) {
    if (!finished(job)) {
      arrival(job).ifPresent(attempts::arrived);
    }
  }

  /** Forgets a Job that will not run here (invalid, not startable, deleted before it started). */
  private void forget(Job job) {
    arrival(job).ifPresent(attempts::forget);
  }

  /**
   * The ledger entry of a Job that just arrived, from its labels and the reporter container's
   * literal env (nothing to resolve); empty for a Job that is not a run attempt.
   */
  static Optional<AttemptLedger.Entry> arrival(Job job) {
    try {
      Map<String, String> labels =
          Optional.ofNullable(job.getMetadata().getLabels()).orElse(Map.of());
      Map<String, String> reporter = new HashMap<>();
      for (EnvVar var :
          Optional.ofNullable(
                  container(job.getSpec().getTemplate().getSpec().getContainers(), REPORTER)
                      .getEnv())
              .orElse(List.of())) {
        if (var.getValue() != null) {
          reporter.put(var.getName(), var.getValue());
        }
      }
      String experimentId = labels.get(RunContract.LABEL_EXPERIMENT);
      String runId = labels.get(RunContract.LABEL_RUN);
      String attempt =
          first(reporter.get(RunContract.ATTEMPT), labels.get(RunContract.LABEL_ATTEMPT));
      String nonce = reporter.get(RunContract.NONCE);
      String queue = reporter.get(RunContract.RESULTS_QUEUE_URL);
      if (experimentId == null
          || runId == null
          || attempt == null
          || nonce == null
          || queue == null) {
        return Optional.empty();
      }
      return Optional.of(
          new AttemptLedger.Entry(
              experimentId, runId, Integer.parseInt(attempt), nonce, queue, null, null));
    } catch (RuntimeException notAnAttempt) {
      return Optional.empty();
    }
  }

  private void launch(Job job, int tries) {
    if (finished(job) || running.containsKey(key(job)) || deleted.contains(key(job))) {
      return;
    }
    String name = job.getMetadata().getName();
    RunCarrier.Attempt attempt;
    try {
      attempt = attempt(job);
    } catch (MissingReferenceException e) {
      if (tries < REFERENCE_TRIES) {
        // The Secret may be created just after the Job: look again shortly, as the kubelet does.
        starter.schedule(() -> launch(job, tries + 1), 200, TimeUnit.MILLISECONDS);
        return;
      }
      LOG.warn("job {} cannot run here: {}", name, e.getMessage());
      forget(job);
      markFinished(job, false, "InvalidJob", e.getMessage());
      return;
    } catch (InvalidJobException e) {
      LOG.warn("job {} cannot run here: {}", name, e.getMessage());
      forget(job);
      markFinished(job, false, "InvalidJob", e.getMessage());
      return;
    }
    // Recorded before the process exists: a JVM dying in between still leaves the attempt known.
    try {
      RunCarrier.Running process = attempts.start(attempt);
      running.put(key(job), process);
      markActive(job);
      process
          .completion()
          .whenComplete(
              (outcome, error) -> {
                running.remove(key(job));
                if (outcome != null && outcome.released()) {
                  return; // the control plane released it
                }
                boolean ok = outcome != null && outcome.exitCode() == 0;
                markFinished(
                    job,
                    ok,
                    ok ? "Completed" : "BackoffLimitExceeded",
                    outcome == null ? "carrier failed: " + error : "exit " + outcome.exitCode());
              });
    } catch (IOException e) {
      LOG.warn("job {}: the process did not start: {}", name, e.toString());
      markFinished(job, false, "StartFailed", e.getMessage());
    }
  }

  private void release(Job job) {
    deleted.add(key(job));
    RunCarrier.Running process = running.remove(key(job));
    if (process == null) {
      forget(job); // deleted before it started
    } else {
      LOG.info("job {} deleted: killing pid {}", job.getMetadata().getName(), process.pid());
      process.release();
    }
  }

  private static boolean finished(Job job) {
    JobStatus s = job.getStatus();
    return s != null
        && s.getConditions() != null
        && s.getConditions().stream()
            .anyMatch(
                c ->
                    ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                        && "True".equals(c.getStatus()));
  }

  RunCarrier.Attempt attempt(Job job) {
    Map<String, String> annotations =
        Optional.ofNullable(job.getMetadata().getAnnotations()).orElse(Map.of());
    String command = annotations.get(RunContract.ANNOTATION_COMMAND);
    if (command == null || command.isBlank()) {
      throw new InvalidJobException("annotation " + RunContract.ANNOTATION_COMMAND + " is missing");
    }
    String workdir = annotations.get(RunContract.ANNOTATION_WORKDIR);
    List<Container> containers = job.getSpec().getTemplate().getSpec().getContainers();
    Container training = container(containers, TRAINING);
    Container reporter = container(containers, REPORTER);
    Map<String, String> trainingEnv = RunCarrier.trainingOnly(env(training));
    Map<String, String> reporterEnv = env(reporter);
    Map<String, String> labels =
        Optional.ofNullable(job.getMetadata().getLabels()).orElse(Map.of());
    String experimentId =
        first(trainingEnv.get(RunContract.EXPERIMENT_ID), labels.get(RunContract.LABEL_EXPERIMENT));
    String runId = first(trainingEnv.get(RunContract.RUN_ID), labels.get(RunContract.LABEL_RUN));
    String attempt =
        first(reporterEnv.get(RunContract.ATTEMPT), labels.get(RunContract.LABEL_ATTEMPT));
    if (experimentId == null || runId == null || attempt == null) {
      throw new InvalidJobException(
          "experiment id, run id or attempt is missing from the env and labels");
    }
    return new RunCarrier.Attempt(
        experimentId,
        runId,
        Integer.parseInt(attempt),
        required(reporterEnv, RunContract.NONCE),
        command,
        workdir == null || workdir.isBlank() ? defaultWorkdir : Path.of(workdir),
        trainingEnv,
        required(reporterEnv, RunContract.RESULTS_QUEUE_URL),
        required(reporterEnv, RunContract.BUCKET),
        heartbeat(required(reporterEnv, RunContract.HEARTBEAT_SECONDS)));
  }

  private static Duration heartbeat(String seconds) {
    try {
      double s = Double.parseDouble(seconds);
      if (!(s > 0)) {
        throw new NumberFormatException("not positive");
      }
      return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
    } catch (NumberFormatException e) {
      throw new InvalidJobException(
          RunContract.HEARTBEAT_SECONDS + " must be a positive number of seconds, got " + seconds);
    }
  }

  private static String first(String a, String b) {
    return a != null && !a.isBlank() ? a : b;
  }

  private static String required(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new InvalidJobException("the reporter container's env has no " + name);
    }
    return v;
  }

  private static Container container(List<Container> containers, String name) {
    return containers.stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> new InvalidJobException("the Job has no container named " + name));
  }

  private Map<String, String> env(Container container) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar var : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      } else if (var.getValueFrom() != null) {
        resolve(var.getName(), var.getValueFrom()).ifPresent(v -> env.put(var.getName(), v));
      } else {
        env.put(var.getName(), "");
      }
    }
    return env;
  }

  private Optional<String> resolve(String name, EnvVarSource source) {
    if (source.getSecretKeyRef() != null) {
      var ref = source.getSecretKeyRef();
      Secret secret =
          client.secrets().inNamespace(RunContract.NAMESPACE).withName(ref.getName()).get();
      String value = null;
      if (secret != null
          && secret.getData() != null
          && secret.getData().get(ref.getKey()) != null) {
        value =
            new String(
                Base64.getDecoder().decode(secret.getData().get(ref.getKey())),
                StandardCharsets.UTF_8);
      } else if (secret != null && secret.getStringData() != null) {
        value = secret.getStringData().get(ref.getKey());
      }
      if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
        throw new MissingReferenceException(
            "env " + name + ": Secret " + ref.getName() + " has no key " + ref.getKey());
      }
      return Optional.ofNullable(value);
    }
    if (source.getConfigMapKeyRef() != null) {
      var ref = source.getConfigMapKeyRef();
      ConfigMap map =
          client.configMaps().inNamespace(RunContract.NAMESPACE).withName(ref.getName()).get();
      String value = map == null || map.getData() == null ? null : map.getData().get(ref.getKey());
      if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
        throw new MissingReferenceException(
            "env " + name + ": ConfigMap " + ref.getName() + " has no key " + ref.getKey());
      }
      return Optional.ofNullable(value);
    }
    LOG.warn(
        "env {}: only secretKeyRef and configMapKeyRef are resolved locally; left unset", name);
    return Optional.empty();
  }

  private void markActive(Job job) {
    String now = Instant.now().toString();
    updateStatus(job, new JobStatusBuilder().withActive(1).withStartTime(now).build());
  }

  private void markFinished(Job job, boolean succeeded, String reason, String message) {
    String now = Instant.now().toString();
    List<JobCondition> conditions = new ArrayList<>();
    conditions.add(
        new JobConditionBuilder()
            .withType(succeeded ? "Complete" : "Failed")
            .withStatus("True")
            .withReason(reason)
            .withMessage(message)
            .withLastProbeTime(now)
            .withLastTransitionTime(now)
            .build());
    JobStatusBuilder status =
        new JobStatusBuilder().withActive(0).withConditions(conditions).withStartTime(now);
    if (succeeded) {
      status.withSucceeded(1).withCompletionTime(now);
    } else {
      status.withFailed(1);
    }
    updateStatus(job, status.build());
  }

  private void updateStatus(Job job, JobStatus status) {
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName())
          .editStatus(
              current -> {
                if (current.getStatus() != null && current.getStatus().getStartTime() != null) {
                  status.setStartTime(current.getStatus().getStartTime());
                }
                current.setStatus(status);
                return current;
              });
    } catch (KubernetesClientException | IllegalStateException e) {
      // The Job was deleted meanwhile (released), or the node is closing: nothing to record.
      LOG.debug("job {}: status not updated: {}", job.getMetadata().getName(), e.getMessage());
    }
  }

  /** Kills every process this node runs (JVM shutdown or runtime close). */
  @Override
  public synchronized void close() {
    // Attempts killed by closing stay in the ledger: the next node reports them lost.
    attempts.close();
    if (informer != null) {
      informer.stop();
    }
    starter.shutdownNow();
    running.values().forEach(RunCarrier.Running::release);
    running.clear();
  }

  /** A Secret or ConfigMap the env refers to is not there (yet). */
  static final class MissingReferenceException extends InvalidJobException {
    MissingReferenceException(String message) {
      super(message);
    }
  }

  /** A Job this node cannot run; the Job is marked Failed with the reason. */
  static class InvalidJobException extends RuntimeException {
    InvalidJobException(String message) {
      super(message);
    }
  }
}
