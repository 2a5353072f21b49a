package dev.orchestra.shared.run;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything about a run's Job that comes from the stack rather than from run.yml.
 *
 * @param reporterImage the reporter container's image: needs {@code sh}, {@code sed}, {@code tr},
 *     {@code tail}, {@code grep}, {@code sleep} and the AWS CLI v2 on its PATH (the official
 *     aws-cli image has them), pinned by digest: {@code name@sha256:<64 hex>}
 * @param serviceAccountName the ServiceAccount the pod runs as; EKS Pod Identity gives it the
 *     reporter's IAM role (send to the results queue, put under {@code runs/})
 * @param resultsQueueUrl the SQS queue for heartbeats and results
 * @param bucket the stack's bucket; the full output goes under {@code runs/}
 * @param region the AWS region the reporter's CLI calls
 * @param heartbeatSeconds seconds between heartbeats
 * @param startTimeoutSeconds how long the reporter waits for the training container to start
 * @param ttlSecondsAfterFinished how long Kubernetes keeps a finished Job
 * @param activeDeadlineSeconds a hard limit on the pod's running time, or null for none
 */
public record JobSettings(
    String reporterImage,
    String serviceAccountName,
    String resultsQueueUrl,
    String bucket,
    String region,
    int heartbeatSeconds,
    int startTimeoutSeconds,
    int ttlSecondsAfterFinished,
    Long activeDeadlineSeconds) {

  public static final String DEFAULT_SERVICE_ACCOUNT = "orchestra-reporter";
  public static final int DEFAULT_HEARTBEAT_SECONDS = 60;
  public static final int DEFAULT_START_TIMEOUT_SECONDS = 1800;
  public static final int DEFAULT_TTL_SECONDS = 3600;

  /**
   * A syntactically valid, never-pulled reporter image for the local runtime, whose process node
   * reports in place of the reporter container. Not an image that exists.
   */
  public static final String LOCAL_REPORTER_IMAGE =
      "orchestra.local/reporter-not-pulled@sha256:" + "0".repeat(64);

  private static final Pattern PINNED_IMAGE =
      Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._:/-]*@sha256:[0-9a-f]{64}");

  public JobSettings {
    Objects.requireNonNull(reporterImage, "reporterImage");
    if (!PINNED_IMAGE.matcher(reporterImage).matches()) {
      throw new IllegalArgumentException(
          "reporter image '"
              + reporterImage
              + "' is not pinned by digest; set ORCHESTRA_REPORTER_IMAGE to"
              + " name@sha256:<64 lower-case hex>, e.g. the digest of public.ecr.aws/aws-cli/aws-cli"
              + " that you have checked");
    }
    requireText(serviceAccountName, "serviceAccountName");
    requireText(resultsQueueUrl, "resultsQueueUrl");
    requireText(bucket, "bucket");
    requireText(region, "region");
    if (heartbeatSeconds < 1) {
      throw new IllegalArgumentException("heartbeatSeconds must be at least 1");
    }
    if (startTimeoutSeconds < 1) {
      throw new IllegalArgumentException("startTimeoutSeconds must be at least 1");
    }
    if (ttlSecondsAfterFinished < 0) {
      throw new IllegalArgumentException("ttlSecondsAfterFinished must not be negative");
    }
    if (activeDeadlineSeconds != null && activeDeadlineSeconds < 1) {
      throw new IllegalArgumentException("activeDeadlineSeconds must be at least 1 when set");
    }
  }

  /** Settings with the defaults for everything but the stack's names. */
  public static JobSettings of(
      String reporterImage, String resultsQueueUrl, String bucket, String region) {
    return new JobSettings(
        reporterImage,
        DEFAULT_SERVICE_ACCOUNT,
        resultsQueueUrl,
        bucket,
        region,
        DEFAULT_HEARTBEAT_SECONDS,
        DEFAULT_START_TIMEOUT_SECONDS,
        DEFAULT_TTL_SECONDS,
        null);
  }

  public JobSettings withHeartbeatSeconds(int seconds) {
    return new JobSettings(
        reporterImage,
        serviceAccountName,
        resultsQueueUrl,
        bucket,
        region,
        seconds,
        startTimeoutSeconds,
        ttlSecondsAfterFinished,
        activeDeadlineSeconds);
  }

  public JobSettings withStartTimeoutSeconds(int seconds) {
    return new JobSettings(
        reporterImage,
        serviceAccountName,
        resultsQueueUrl,
        bucket,
        region,
        heartbeatSeconds,
        seconds,
        ttlSecondsAfterFinished,
        activeDeadlineSeconds);
  }

  public JobSettings withTtlSecondsAfterFinished(int seconds) {
    return new JobSettings(
        reporterImage,
        serviceAccountName,
        resultsQueueUrl,
        bucket,
        region,
        heartbeatSeconds,
        startTimeoutSeconds,
        seconds,
        activeDeadlineSeconds);
  }

  public JobSettings withServiceAccountName(String name) {
    return new JobSettings(
        reporterImage,
        name,
        resultsQueueUrl,
        bucket,
        region,
        heartbeatSeconds,
        startTimeoutSeconds,
        ttlSecondsAfterFinished,
        activeDeadlineSeconds);
  }

  /** A hard limit on the pod's running time (e.g. from {@code max_run_minutes}); null for none. */
  public JobSettings withActiveDeadlineSeconds(Long seconds) {
    return new JobSettings(
        reporterImage,
        serviceAccountName,
        resultsQueueUrl,
        bucket,
        region,
        heartbeatSeconds,
        startTimeoutSeconds,
        ttlSecondsAfterFinished,
        seconds);
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is empty");
    }
  }
}
