package dev.orchestra.shared.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deterministic names of what cluster create makes, so a retried step finds what an earlier attempt
 * made. Cluster names are at most 48 characters, so every role name fits IAM's 64.
 */
public final class ClusterNames {
  private ClusterNames() {}

  /**
   * The IAM path of every role Orchestra creates at run time; the stack scopes IAM grants by it.
   */
  public static final String IAM_PATH = "/orchestra/";

  /** The ownership tag on everything a cluster creates. */
  public static final String OWNER_TAG = "orchestra:cluster";

  public static final String RUNS_NAMESPACE = "orchestra-runs";
  public static final String REPORTER_SERVICE_ACCOUNT = "orchestra-reporter";
  public static final String AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";
  public static final String AUTOSCALER_NAMESPACE = "kube-system";
  public static final String POD_IDENTITY_ADDON = "eks-pod-identity-agent";

  public static final String CLUSTER_ADMIN_POLICY =
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
  public static final String EDIT_POLICY =
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";

  /** The EKS cluster service role. */
  public static String clusterRole(String cluster) {
    return cluster + "-cluster-role";
  }

  /** The role node instances run as. */
  public static String nodeRole(String cluster) {
    return cluster + "-node-role";
  }

  /** The role people assume to reach the Kubernetes API (cluster admin). */
  public static String accessRole(String cluster) {
    return cluster + "-k8s-access-role";
  }

  /** The reporter pods' Pod Identity role: results queue and {@code runs/} writes only. */
  public static String reporterRole(String cluster) {
    return cluster + "-reporter-role";
  }

  /** The cluster autoscaler's Pod Identity role. */
  public static String autoscalerRole(String cluster) {
    return cluster + "-autoscaler-role";
  }

  /** Every role of a cluster, in creation order. */
  public static java.util.List<String> roles(String cluster) {
    return java.util.List.of(
        clusterRole(cluster),
        nodeRole(cluster),
        accessRole(cluster),
        reporterRole(cluster),
        autoscalerRole(cluster));
  }

  /** The file's tags plus the ownership tag, which the file cannot override. */
  public static Map<String, String> ownershipTags(String cluster, Map<String, String> fileTags) {
    Map<String, String> tags = new LinkedHashMap<>(fileTags == null ? Map.of() : fileTags);
    tags.put(OWNER_TAG, cluster);
    return Map.copyOf(tags);
  }

  /** The role ARN for a role name under {@link #IAM_PATH}. */
  public static String roleArn(String account, String roleName) {
    return "arn:aws:iam::" + account + ":role" + IAM_PATH + roleName;
  }
}
