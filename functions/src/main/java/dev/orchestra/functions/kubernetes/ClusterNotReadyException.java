package dev.orchestra.functions.kubernetes;

/** The cluster exists but its Kubernetes API is not usable yet (not ACTIVE, no endpoint). */
public class ClusterNotReadyException extends RuntimeException {
  private final String clusterName;

  public ClusterNotReadyException(String clusterName, String status) {
    super(
        "cluster "
            + clusterName
            + " is "
            + status
            + ", not ACTIVE; wait for `cluster create` to finish or check `cluster status`");
    this.clusterName = clusterName;
  }

  public String clusterName() {
    return clusterName;
  }
}
