package dev.orchestra.functions.kubernetes;

/**
 * The Kubernetes endpoint override ({@code ORCHESTRA_K8S_ENDPOINT}, {@code ORCHESTRA_K8S_CA},
 * {@code ORCHESTRA_K8S_INSECURE}) is malformed or unsafe. The message names the variable and the
 * fix.
 */
public class KubernetesEndpointConfigException extends IllegalStateException {
  public KubernetesEndpointConfigException(String message) {
    super(message);
  }
}
