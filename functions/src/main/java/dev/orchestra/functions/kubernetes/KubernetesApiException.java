package dev.orchestra.functions.kubernetes;

/**
 * The Kubernetes API refused or failed a call the dispatcher made. Carries the HTTP status (0 when
 * no response arrived) so callers can tell a permission problem from an outage.
 */
public class KubernetesApiException extends RuntimeException {
  private final int status;

  public KubernetesApiException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
