package dev.orchestra.local.testing;

/** Thrown by a test handler; ASL catches it by its fully-qualified name. */
public class TestFailureException extends RuntimeException {
  public TestFailureException(String message) {
    super(message);
  }
}
