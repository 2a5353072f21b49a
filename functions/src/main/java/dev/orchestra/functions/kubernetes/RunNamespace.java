package dev.orchestra.functions.kubernetes;

import dev.orchestra.shared.run.RunContract;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The namespace runs live in. On EKS, cluster create makes it; the local runtime's built-in cluster
 * calls {@link #ensure} on its mock API.
 */
public final class RunNamespace {
  private RunNamespace() {}

  /** Creates {@code orchestra-runs} unless it exists; a repeat call is harmless. */
  public static void ensure(KubernetesClient client) {
    Namespace namespace =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName(RunContract.NAMESPACE)
            .addToLabels("app.kubernetes.io/managed-by", "orchestra")
            .endMetadata()
            .build();
    try {
      client.namespaces().resource(namespace).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }
}
