package dev.orchestra.shared;

/**
 * A handler's call to a service failed in a way that may pass on its own (a call that outlived its
 * timeout after the SDK's own retries, a 5xx, throttling): the Task is retried with backoff instead
 * of taking its Catch path. Every step the state machines retry is idempotent.
 */
public class TransientFailureException extends RuntimeException {
  public static final String NAME = TransientFailureException.class.getName();

  public TransientFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
