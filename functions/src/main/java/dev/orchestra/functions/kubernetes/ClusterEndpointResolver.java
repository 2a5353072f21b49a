package dev.orchestra.functions.kubernetes;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.EnvVars;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.Cluster;
import software.amazon.awssdk.services.eks.model.ClusterStatus;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;

/**
 * Finds a cluster's Kubernetes API: from EKS DescribeCluster (endpoint and certificate authority),
 * unless the configuration names an override ({@code ORCHESTRA_K8S_ENDPOINT}, with {@code
 * ORCHESTRA_K8S_CA} or, for loopback hosts only, {@code ORCHESTRA_K8S_INSECURE=true}). The override
 * is how the local runtime points the same code at its mock Kubernetes API; it applies to every
 * cluster name.
 */
public final class ClusterEndpointResolver {

  private static final Pattern IP_LITERAL =
      Pattern.compile("[0-9]+(\\.[0-9]+){3}|\\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*]?");

  private final OrchestraConfig config;
  private final Supplier<EksClient> eks;

  /**
   * @param eks called only when there is no override, so the local runtime needs no EKS client
   */
  public ClusterEndpointResolver(OrchestraConfig config, Supplier<EksClient> eks) {
    this.config = Objects.requireNonNull(config, "config");
    this.eks = Objects.requireNonNull(eks, "eks");
  }

  public ClusterEndpoint resolve(String clusterName) {
    return overridden(config)
        ? fromOverride(clusterName, config.get(EnvVars.K8S_ENDPOINT).orElseThrow())
        : fromEks(clusterName);
  }

  /** Whether this configuration names the endpoint itself (then EKS is not asked). */
  public static boolean overridden(OrchestraConfig config) {
    return config.get(EnvVars.K8S_ENDPOINT).isPresent();
  }

  private ClusterEndpoint fromEks(String clusterName) {
    Cluster cluster;
    try {
      cluster = eks.get().describeCluster(r -> r.name(clusterName)).cluster();
    } catch (ResourceNotFoundException e) {
      throw new ClusterNotFoundException(clusterName, e);
    }
    if (cluster.status() != ClusterStatus.ACTIVE
        || cluster.endpoint() == null
        || cluster.certificateAuthority() == null
        || cluster.certificateAuthority().data() == null) {
      throw new ClusterNotReadyException(clusterName, String.valueOf(cluster.statusAsString()));
    }
    // EKS returns the CA as base64 of the PEM, which is what the client takes.
    return new ClusterEndpoint(
        clusterName, cluster.endpoint(), cluster.certificateAuthority().data(), false);
  }

  private ClusterEndpoint fromOverride(String clusterName, String url) {
    URI uri;
    try {
      uri = URI.create(url.trim());
    } catch (IllegalArgumentException e) {
      throw new KubernetesEndpointConfigException(
          EnvVars.K8S_ENDPOINT + "='" + url + "' is not a URL; write e.g. https://127.0.0.1:6443");
    }
    String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new KubernetesEndpointConfigException(
          EnvVars.K8S_ENDPOINT
              + "='"
              + url
              + "' needs an http(s) scheme and a host; write e.g. https://127.0.0.1:6443");
    }
    boolean loopback = isLoopback(uri.getHost());
    boolean insecure =
        config.get(EnvVars.K8S_INSECURE).map(v -> v.trim().equalsIgnoreCase("true")).orElse(false);
    if (insecure && !loopback) {
      throw new KubernetesEndpointConfigException(
          EnvVars.K8S_INSECURE
              + "=true is refused for "
              + uri.getHost()
              + ": skipping TLS verification is allowed only for a loopback endpoint; set "
              + EnvVars.K8S_CA
              + " to the API server's CA certificate instead");
    }
    if (scheme.equals("http") && !loopback) {
      throw new KubernetesEndpointConfigException(
          EnvVars.K8S_ENDPOINT
              + "='"
              + url
              + "' is plain http on a non-loopback host, which would send the token in clear;"
              + " use https");
    }
    String ca = config.get(EnvVars.K8S_CA).map(ClusterEndpointResolver::caData).orElse(null);
    return new ClusterEndpoint(clusterName, uri.toString(), ca, insecure);
  }

  /** PEM text or base64 of the PEM, returned as base64 of the PEM. */
  static String caData(String value) {
    String v = value.trim();
    if (v.startsWith("-----BEGIN")) {
      return Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII));
    }
    try {
      String pem = new String(Base64.getMimeDecoder().decode(v), StandardCharsets.US_ASCII).trim();
      if (pem.startsWith("-----BEGIN CERTIFICATE-----")) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new KubernetesEndpointConfigException(
        EnvVars.K8S_CA
            + " is neither a PEM certificate nor base64 of one; paste the cluster's CA"
            + " (-----BEGIN CERTIFICATE----- ...) or its base64");
  }

  /** True for {@code localhost} and loopback IP literals; never asks DNS. */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (!IP_LITERAL.matcher(h).matches()) {
      return false;
    }
    try {
      String literal = h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
      return InetAddress.getByName(literal).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
