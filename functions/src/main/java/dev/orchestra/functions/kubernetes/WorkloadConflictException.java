package dev.orchestra.functions.kubernetes;

/**
 * A Job with the attempt's name exists but is not this attempt's (other labels, or another nonce).
 * Dispatching again cannot fix it; the message says what differs.
 */
public class WorkloadConflictException extends RuntimeException {
  private final String jobName;

  public WorkloadConflictException(String jobName, String message) {
    super(message);
    this.jobName = jobName;
  }

  public String jobName() {
    return jobName;
  }
}
