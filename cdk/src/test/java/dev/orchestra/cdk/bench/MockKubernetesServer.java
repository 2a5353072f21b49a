package dev.orchestra.cdk.bench;

import dev.orchestra.functions.cluster.ClusterKubernetes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A Kubernetes API for scripts/cold-start.sh, as the local runtime gives its handlers one (local's
 * {@code MockKubernetes}): fabric8's mock server in CRUD mode (objects are stored and served back),
 * plain HTTP on loopback, on a free port. Prints {@code http://127.0.0.1:<port>} on one line once
 * it listens, then serves until the process is killed (the script stops it by pid). Nothing is left
 * in it beforehand: BootstrapKubernetes' first invocation finds an empty API, as on a new EKS
 * cluster. Before it prints its URL, it serves one of each request that invocation makes (as the
 * script reads each moto service once), and deletes what that made.
 */
public final class MockKubernetesServer {
  private MockKubernetesServer() {}

  private static void warmUp(String url) {
    String ns = "cold-start-warm-up";
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl(url).withNamespace(ns).build())
            .build()) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(NonDeletingOperation::update);
      client
          .serviceAccounts()
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .withNamespace(ns)
                  .endMetadata()
                  .build())
          .createOr(NonDeletingOperation::update);
      client.serviceAccounts().inNamespace(ns).withName(ns).get();
      client.serviceAccounts().inNamespace(ns).withName(ns).delete();
      client.namespaces().withName(ns).delete();
      // Every kind BootstrapKubernetes applies, created and deleted again, so its first
      // invocation measures the function and not this server's first handling of a kind.
      List<GenericKubernetesResource> objects = ClusterKubernetes.objects(ns, "1.31", true);
      ClusterKubernetes.apply(client, objects);
      for (GenericKubernetesResource o : objects) {
        client.resource(o).delete();
      }
    }
  }

  public static void main(String[] args) throws InterruptedException {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    warmUp("http://127.0.0.1:" + server.getPort());
    System.out.println("http://127.0.0.1:" + server.getPort());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
