package dev.orchestra.local.k8s;

import dev.orchestra.shared.run.RunContract;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cluster's Kubernetes API: fabric8's mock server in CRUD mode (objects are stored and
 * served back, watches work), plain HTTP on loopback. Handlers reach it through {@code
 * ORCHESTRA_K8S_ENDPOINT}; the process node runs the Jobs created in it.
 */
public final class MockKubernetes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MockKubernetes.class);

  // Held strongly: java.util.logging forgets a level set on a logger nobody references.
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;

  private MockKubernetes(KubernetesMockServer server) {
    this.server = server;
  }

  /** Starts on {@code port} (0 picks one) and creates the runs' namespace. */
  public static MockKubernetes start(int port) {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), port);
    MockKubernetes k8s = new MockKubernetes(server);
    try (KubernetesClient client = k8s.client()) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(RunContract.NAMESPACE)
                  .endMetadata()
                  .build())
          .createOr(existing -> existing.update());
    }
    LOG.info("mock Kubernetes API on {}", k8s.endpoint());
    return k8s;
  }

  public int port() {
    return server.getPort();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** A new client for the mock; the caller closes it. */
  public KubernetesClient client() {
    return new KubernetesClientBuilder()
        .withConfig(
            new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl(endpoint())
                .withTrustCerts(true)
                .withNamespace(RunContract.NAMESPACE)
                .withRequestRetryBackoffLimit(3)
                .build())
        .build();
  }

  @Override
  public void close() {
    server.destroy();
  }
}
