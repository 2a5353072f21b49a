package dev.orchestra.functions.kubernetes;

/**
 * Where a cluster's Kubernetes API is and how to trust it.
 *
 * @param clusterName the cluster the endpoint belongs to (the EKS token is bound to it)
 * @param url the API server URL
 * @param caCertData base64 of the PEM CA certificate, or null to use the JVM's trust store
 * @param insecure true to skip TLS verification (loopback endpoints only)
 */
public record ClusterEndpoint(String clusterName, String url, String caCertData, boolean insecure) {

  @Override
  public String toString() {
    return "ClusterEndpoint[" + clusterName + " at " + url + (insecure ? ", insecure]" : "]");
  }
}
