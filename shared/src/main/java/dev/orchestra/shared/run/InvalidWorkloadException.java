package dev.orchestra.shared.run;

/**
 * A workload that cannot become a Kubernetes Job (a name or label over Kubernetes' limits, a
 * resource quantity that does not parse). The message names the field and what to change.
 */
public class InvalidWorkloadException extends IllegalArgumentException {
  public InvalidWorkloadException(String message) {
    super(message);
  }
}
