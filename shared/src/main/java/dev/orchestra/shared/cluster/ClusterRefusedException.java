package dev.orchestra.shared.cluster;

/**
 * A cluster create or update refused before anything was touched (a policy the permissions boundary
 * would cancel, a change EKS cannot apply). The message says why and what to do instead.
 */
public class ClusterRefusedException extends RuntimeException {
  public static final String NAME = ClusterRefusedException.class.getName();

  public ClusterRefusedException(String message) {
    super(message);
  }
}
