package dev.orchestra.shared.cluster;

/** A cluster resource reached a failed state (cluster FAILED, node group CREATE_FAILED, ...). */
public class ClusterStepFailedException extends RuntimeException {
  public static final String NAME = ClusterStepFailedException.class.getName();

  public ClusterStepFailedException(String message) {
    super(message);
  }
}
