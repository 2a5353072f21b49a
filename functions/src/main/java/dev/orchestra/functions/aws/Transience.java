package dev.orchestra.functions.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Which failures of an AWS call may pass if the step is tried again later: what the SDK itself
 * would retry (5xx, throttling, I/O), plus a call that outlived its whole timeout (which the SDK
 * does not retry). A 4xx other than throttling is the caller's mistake and stays as it is.
 */
public final class Transience {
  private Transience() {}

  public static boolean isTransient(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ApiCallTimeoutException || c instanceof ApiCallAttemptTimeoutException) {
        return true;
      }
      if (c instanceof AwsServiceException e) {
        return e.statusCode() >= 500 || e.isThrottlingException() || e.retryable();
      }
      if (c instanceof SdkClientException e) {
        return e.retryable() || hasIoCause(e);
      }
      if (c instanceof SdkException e) {
        return e.retryable();
      }
    }
    return false;
  }

  private static boolean hasIoCause(Throwable t) {
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      if (c instanceof IOException || c instanceof UncheckedIOException) {
        return true;
      }
    }
    return false;
  }
}
