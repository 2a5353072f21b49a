package dev.orchestra.functions.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.run.JobSettings;
import dev.orchestra.shared.run.KubernetesJobFactory;
import dev.orchestra.shared.run.RunContract;
import dev.orchestra.shared.run.RunCredentials;
import dev.orchestra.shared.run.RunCredentialsSource;
import dev.orchestra.shared.run.Workload;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dispatcher against fabric8's mock Kubernetes API in CRUD mode, over https. */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesJobDispatcherTest {

  static KubernetesMockServer server;
  static KubernetesClient observer;

  static final JobSettings SETTINGS =
      JobSettings.of(JobSettings.LOCAL_REPORTER_IMAGE, "http://q/results", "bkt", "us-east-1");

  final AtomicInteger opened = new AtomicInteger();
  final AtomicInteger tokensMinted = new AtomicInteger();
  Supplier<KubernetesClient> clients;

  @BeforeEach
  void clientsThroughTheOverride() {
    // The same path the local runtime takes: ORCHESTRA_K8S_ENDPOINT + insecure on loopback.
    OrchestraConfig config =
        new OrchestraConfig(
            Map.of("ORCHESTRA_K8S_ENDPOINT", server.url("/"), "ORCHESTRA_K8S_INSECURE", "true"));
    ClusterEndpointResolver resolver =
        new ClusterEndpointResolver(
            config,
            () -> {
              throw new AssertionError("EKS must not be called when the endpoint is overridden");
            });
    clients =
        () -> {
          opened.incrementAndGet();
          return KubernetesClients.build(
              resolver.resolve("local"), () -> "token-" + tokensMinted.incrementAndGet());
        };
  }

  @AfterEach
  void clean() {
    observer.batch().v1().jobs().inNamespace(RunContract.NAMESPACE).delete();
    observer.secrets().inNamespace(RunContract.NAMESPACE).delete();
  }

  static Workload workload(int attempt, String nonce, String secret) {
    return new Workload(
        "mnist-0123abcd",
        "mnist-0123abcd-r00001",
        attempt,
        nonce,
        Map.of("x", 1.5),
        "python:3.12",
        "python train.py",
        Map.of("cpu", "1"),
        Map.of(),
        0,
        secret,
        "/home/me/mnist");
  }

  Job job(String name) {
    return observer.batch().v1().jobs().inNamespace(RunContract.NAMESPACE).withName(name).get();
  }

  KubernetesJobDispatcher dispatcher(RunCredentialsSource credentials) {
    return new KubernetesJobDispatcher(clients, SETTINGS, credentials);
  }

  @Test
  void dispatch_createsTheJob_inTheRunsNamespace() {
    dispatcher(RunCredentialsSource.none()).dispatch(workload(1, "n1", null));

    Job job = job("mnist-0123abcd-r00001-a1");
    assertThat(job).isNotNull();
    assertThat(job.getMetadata().getLabels())
        .containsEntry(RunContract.LABEL_RUN, "mnist-0123abcd-r00001")
        .containsEntry(RunContract.LABEL_ATTEMPT, "1");
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry(RunContract.ANNOTATION_COMMAND, "python train.py")
        .containsEntry(RunContract.ANNOTATION_WORKDIR, "/home/me/mnist");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers())
        .extracting(c -> c.getName())
        .containsExactly("training", "reporter");
    assertThat(tokensMinted.get()).as("the client sent a bearer token").isPositive();
  }

  @Test
  void dispatch_twice_isOneJob_andNoError() {
    KubernetesJobDispatcher dispatcher = dispatcher(RunCredentialsSource.none());
    dispatcher.dispatch(workload(1, "n1", null));
    String firstUid = job("mnist-0123abcd-r00001-a1").getMetadata().getUid();

    assertThatCode(() -> dispatcher.dispatch(workload(1, "n1", null))).doesNotThrowAnyException();

    assertThat(observer.batch().v1().jobs().inNamespace(RunContract.NAMESPACE).list().getItems())
        .hasSize(1);
    assertThat(job("mnist-0123abcd-r00001-a1").getMetadata().getUid()).isEqualTo(firstUid);
    assertThat(opened.get()).as("one client per call").isEqualTo(2);
  }

  @Test
  void reusing_sharesOneClientAcrossCalls_andOpensAnotherAfterAFailedCall() {
    KubernetesJobDispatcher dispatcher =
        KubernetesJobDispatcher.reusing(
            clients, SETTINGS, RunCredentialsSource.none(), java.time.Duration.ofMinutes(5));
    dispatcher.dispatch(workload(1, "n1", null));
    dispatcher.dispatch(workload(1, "n1", null));
    dispatcher.release("mnist-0123abcd-r00001", 1);
    assertThat(job("mnist-0123abcd-r00001-a1")).isNull();
    assertThat(opened.get()).as("one client for three calls").isEqualTo(1);

    dispatcher.dispatch(workload(2, "n2", null));
    assertThatThrownBy(() -> dispatcher.dispatch(workload(2, "other", null)))
        .isInstanceOf(WorkloadConflictException.class);
    dispatcher.release("mnist-0123abcd-r00001", 2);
    assertThat(opened.get()).as("a failed call's client is replaced").isEqualTo(2);
  }

  @Test
  void dispatch_ofTheSameAttemptWithAnotherNonce_isAConflict() {
    KubernetesJobDispatcher dispatcher = dispatcher(RunCredentialsSource.none());
    dispatcher.dispatch(workload(1, "n1", null));

    assertThatThrownBy(() -> dispatcher.dispatch(workload(1, "other", null)))
        .isInstanceOf(WorkloadConflictException.class)
        .hasMessageContaining("another nonce");
  }

  @Test
  void dispatch_whenTheNameBelongsToAnotherRun_isAConflict() {
    KubernetesJobDispatcher dispatcher = dispatcher(RunCredentialsSource.none());
    Job foreign = new KubernetesJobFactory(SETTINGS).job(workload(1, "n1", null));
    foreign.getMetadata().getLabels().put(RunContract.LABEL_EXPERIMENT, "someone-else");
    observer.batch().v1().jobs().inNamespace(RunContract.NAMESPACE).resource(foreign).create();

    assertThatThrownBy(() -> dispatcher.dispatch(workload(1, "n1", null)))
        .isInstanceOf(WorkloadConflictException.class)
        .hasMessageContaining("orchestra.dev/experiment=someone-else");
  }

  @Test
  void dispatch_withCredentials_createsTheSecret_thatTheJobReferences() {
    String secretName = KubernetesJobFactory.credentialsSecretName("mnist-0123abcd-r00001", 2);
    RunCredentialsSource source = w -> Optional.of(new RunCredentials("AKIAEXAMPLE", "s3cr3t"));

    dispatcher(source).dispatch(workload(2, "n2", secretName));
    dispatcher(source).dispatch(workload(2, "n2", secretName));

    Secret secret =
        observer.secrets().inNamespace(RunContract.NAMESPACE).withName(secretName).get();
    assertThat(secret).isNotNull();
    Map<String, String> values =
        secret.getStringData() != null && !secret.getStringData().isEmpty()
            ? secret.getStringData()
            : decode(secret.getData());
    assertThat(values)
        .containsEntry("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .containsEntry("AWS_SECRET_ACCESS_KEY", "s3cr3t");
    Job job = job("mnist-0123abcd-r00001-a2");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("AWS_SECRET_ACCESS_KEY");
              assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secretName);
            });
  }

  @Test
  void dispatch_namingAMissingSecret_withoutCredentials_failsClearly() {
    assertThatThrownBy(
            () ->
                dispatcher(RunCredentialsSource.none())
                    .dispatch(workload(1, "n1", "mnist-0123abcd-r00001-a1-aws")))
        .isInstanceOf(MissingRunCredentialsException.class)
        .hasMessageContaining("mnist-0123abcd-r00001-a1-aws");
    assertThat(job("mnist-0123abcd-r00001-a1")).isNull();
  }

  @Test
  void release_deletesTheJobAndItsSecret_andTwiceIsHarmless() {
    String secretName = KubernetesJobFactory.credentialsSecretName("mnist-0123abcd-r00001", 1);
    KubernetesJobDispatcher dispatcher =
        dispatcher(w -> Optional.of(new RunCredentials("AKIAEXAMPLE", "s3cr3t")));
    dispatcher.dispatch(workload(1, "n1", secretName));
    dispatcher.dispatch(workload(2, "n2", null));

    dispatcher.release("mnist-0123abcd-r00001", 1);

    assertThat(job("mnist-0123abcd-r00001-a1")).isNull();
    assertThat(observer.secrets().inNamespace(RunContract.NAMESPACE).withName(secretName).get())
        .isNull();
    assertThat(job("mnist-0123abcd-r00001-a2")).as("other attempts stay").isNotNull();
    assertThatCode(() -> dispatcher.release("mnist-0123abcd-r00001", 1)).doesNotThrowAnyException();
    assertThatCode(() -> dispatcher.release("never-dispatched-r00001", 1))
        .doesNotThrowAnyException();
  }

  @Test
  void ensureNamespace_createsItOnce_andAgainIsHarmless() {
    try (KubernetesClient client = clients.get()) {
      RunNamespace.ensure(client);
      RunNamespace.ensure(client);
    }

    assertThat(observer.namespaces().withName(RunContract.NAMESPACE).get()).isNotNull();
  }

  private static Map<String, String> decode(Map<String, String> data) {
    Map<String, String> out = new java.util.TreeMap<>();
    data.forEach((k, v) -> out.put(k, new String(java.util.Base64.getDecoder().decode(v))));
    return out;
  }
}
