package dev.orchestra.functions.kubernetes;

/** No EKS cluster of that name in the control plane's account and region. */
public class ClusterNotFoundException extends RuntimeException {
  private final String clusterName;

  public ClusterNotFoundException(String clusterName, Throwable cause) {
    super(
        "cluster "
            + clusterName
            + " does not exist in this account and region; create it with `cluster create`",
        cause);
    this.clusterName = clusterName;
  }

  public String clusterName() {
    return clusterName;
  }
}
