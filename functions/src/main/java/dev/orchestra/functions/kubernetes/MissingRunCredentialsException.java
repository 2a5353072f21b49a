package dev.orchestra.functions.kubernetes;

/**
 * A workload names a credentials Secret, but no credentials were supplied and the Secret does not
 * exist in the cluster.
 */
public class MissingRunCredentialsException extends IllegalStateException {
  public MissingRunCredentialsException(String message) {
    super(message);
  }
}
