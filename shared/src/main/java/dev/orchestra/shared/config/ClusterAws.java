package dev.orchestra.shared.config;

import java.util.List;

/**
 * cluster.yml {@code aws}. The two keys are the CLI's signing credentials for the command that
 * reads the file: they are never printed, serialized or sent (see {@link ClusterConfig#redacted}).
 *
 * @param additionalPolicies IAM policy ARNs attached to the cluster's node role
 */
public record ClusterAws(
    String accessKeyId, String secretAccessKey, List<String> additionalPolicies) {
  public static final ClusterAws NONE = new ClusterAws(null, null, List.of());

  public ClusterAws {
    additionalPolicies = additionalPolicies == null ? List.of() : List.copyOf(additionalPolicies);
  }

  public boolean hasCredentials() {
    return accessKeyId != null || secretAccessKey != null;
  }

  public ClusterAws withoutCredentials() {
    return new ClusterAws(null, null, additionalPolicies);
  }

  @Override
  public String toString() {
    return "ClusterAws[credentials="
        + (hasCredentials() ? "<redacted>" : "none")
        + ", additionalPolicies="
        + additionalPolicies
        + "]";
  }
}
