package dev.orchestra.functions.kubernetes;

import dev.orchestra.shared.run.JobSettings;
import dev.orchestra.shared.run.KubernetesJobFactory;
import dev.orchestra.shared.run.RunContract;
import dev.orchestra.shared.run.RunCredentials;
import dev.orchestra.shared.run.RunCredentialsSource;
import dev.orchestra.shared.run.Workload;
import dev.orchestra.shared.run.WorkloadDispatcher;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Dispatch port's Kubernetes adapter: a run attempt becomes a Job named {@code <run
 * id>-a<attempt>} in {@code orchestra-runs} (and, with run.yml credentials, a Secret the Job
 * references). Both calls are idempotent: an existing Job of the attempt counts as dispatched, a
 * missing one as released. Each call opens its own client and closes it, or, built with {@link
 * #reusing}, all calls share one client for a while (a warm function saves building a client and
 * connecting on every dispatch).
 */
public final class KubernetesJobDispatcher implements WorkloadDispatcher {

  private final Supplier<KubernetesClient> clients;
  private final KubernetesJobFactory jobs;
  private final RunCredentialsSource credentials;
  private final Duration reuseFor;
  private KubernetesClient shared;
  private long sharedSince;

  /**
   * @param clients opens a client on the target cluster, e.g. {@code
   *     kubernetesClients.forCluster(name)}; each call's client is closed after use
   * @param settings the stack's Job settings (reporter image, queue, bucket, ...)
   * @param credentials run.yml credentials of workloads that name a credentials Secret
   */
  public KubernetesJobDispatcher(
      Supplier<KubernetesClient> clients, JobSettings settings, RunCredentialsSource credentials) {
    this(clients, settings, credentials, null);
  }

  private KubernetesJobDispatcher(
      Supplier<KubernetesClient> clients,
      JobSettings settings,
      RunCredentialsSource credentials,
      Duration reuseFor) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.jobs = new KubernetesJobFactory(settings);
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.reuseFor = reuseFor;
  }

  /**
   * A dispatcher whose calls share one client from {@code clients}, opened on first use and
   * replaced after {@code reuseFor} (so a changed cluster endpoint is picked up) or after any call
   * on it failed. The client refreshes its own token ({@link KubernetesClients}).
   */
  public static KubernetesJobDispatcher reusing(
      Supplier<KubernetesClient> clients,
      JobSettings settings,
      RunCredentialsSource credentials,
      Duration reuseFor) {
    return new KubernetesJobDispatcher(
        clients, settings, credentials, Objects.requireNonNull(reuseFor, "reuseFor"));
  }

  private <T> T withClient(Function<KubernetesClient, T> work) {
    if (reuseFor == null) {
      try (KubernetesClient client = clients.get()) {
        return work.apply(client);
      }
    }
    KubernetesClient client = sharedClient();
    try {
      return work.apply(client);
    } catch (RuntimeException e) {
      drop(client);
      throw e;
    }
  }

  private synchronized KubernetesClient sharedClient() {
    if (shared != null && System.nanoTime() - sharedSince > reuseFor.toNanos()) {
      // Not closed: another call may still be using it; it is released when unreferenced.
      shared = null;
    }
    if (shared == null) {
      shared = clients.get();
      sharedSince = System.nanoTime();
    }
    return shared;
  }

  private synchronized void drop(KubernetesClient client) {
    if (shared == client) {
      shared = null;
    }
  }

  @Override
  public void dispatch(Workload workload) {
    Job job = jobs.job(workload);
    withClient(
        client -> {
          if (workload.credentialsSecret() != null) {
            ensureSecret(client, workload);
          }
          try {
            client.batch().v1().jobs().inNamespace(RunContract.NAMESPACE).resource(job).create();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
              throw apiError("create Job " + job.getMetadata().getName(), e);
            }
            verifySameAttempt(client, workload);
          }
          return null;
        });
  }

  @Override
  public void release(String runId, int attempt) {
    String name = RunContract.workloadName(runId, attempt);
    try {
      withClient(
          client -> {
            // Background: the Job goes now, its pod right after; a missing Job is not an error.
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(RunContract.NAMESPACE)
                .withName(name)
                .withPropagationPolicy(DeletionPropagation.BACKGROUND)
                .delete();
            client
                .secrets()
                .inNamespace(RunContract.NAMESPACE)
                .withLabel(RunContract.LABEL_RUN, runId)
                .withLabel(RunContract.LABEL_ATTEMPT, Integer.toString(attempt))
                .delete();
            return null;
          });
    } catch (KubernetesClientException e) {
      throw apiError("delete Job " + name, e);
    }
  }

  private void ensureSecret(KubernetesClient client, Workload workload) {
    String name = workload.credentialsSecret();
    Optional<RunCredentials> supplied = credentials.credentialsFor(workload);
    try {
      if (supplied.isPresent()) {
        Secret secret = jobs.credentialsSecret(workload, supplied.get());
        try {
          client.secrets().inNamespace(RunContract.NAMESPACE).resource(secret).create();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
        }
      } else if (client.secrets().inNamespace(RunContract.NAMESPACE).withName(name).get() == null) {
        throw new MissingRunCredentialsException(
            "run "
                + workload.runId()
                + " needs the credentials Secret "
                + name
                + ", which does not exist and no credentials were supplied for it");
      }
    } catch (KubernetesClientException e) {
      throw apiError("create Secret " + name, e);
    }
  }

  /** The existing Job must be this attempt's: same labels, and its reporter holds our nonce. */
  private void verifySameAttempt(KubernetesClient client, Workload workload) {
    String name = workload.name();
    Job existing =
        client.batch().v1().jobs().inNamespace(RunContract.NAMESPACE).withName(name).get();
    if (existing == null) {
      // Deleted between our create and get (a concurrent release): dispatching now would race it.
      throw new WorkloadConflictException(
          name, "Job " + name + " was deleted while being dispatched; dispatch again");
    }
    Map<String, String> expected = KubernetesJobFactory.labels(workload);
    Map<String, String> labels =
        existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
    for (Map.Entry<String, String> label : expected.entrySet()) {
      if (!label.getValue().equals(labels.get(label.getKey()))) {
        throw new WorkloadConflictException(
            name,
            "Job "
                + name
                + " exists with label "
                + label.getKey()
                + "="
                + labels.get(label.getKey())
                + ", not "
                + label.getValue()
                + "; it belongs to another run");
      }
    }
    String nonce = existingNonce(existing);
    if (!workload.nonce().equals(nonce)) {
      throw new WorkloadConflictException(
          name,
          "Job "
              + name
              + " exists with another nonce, so its results would be rejected; mint the nonce"
              + " once per attempt and reuse it when Dispatch is retried");
    }
  }

  private static String existingNonce(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(KubernetesJobFactory.REPORTER_CONTAINER))
        .flatMap(c -> c.getEnv() == null ? java.util.stream.Stream.empty() : c.getEnv().stream())
        .filter(e -> e.getName().equals(RunContract.NONCE))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }

  private static KubernetesApiException apiError(String action, KubernetesClientException e) {
    String reason = e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage();
    String hint =
        e.getCode() == 401 || e.getCode() == 403
            ? "; the dispatcher's role needs edit rights in namespace " + RunContract.NAMESPACE
            : "";
    return new KubernetesApiException(
        "could not " + action + " (HTTP " + e.getCode() + "): " + reason + hint, e.getCode(), e);
  }
}
