package dev.orchestra.shared.config;

/**
 * run.yml {@code aws}: credentials the run itself uses (for S3). They reach the pod as a Kubernetes
 * Secret, and are never printed or serialized: toString masks them, and the stored form ({@link
 * RunConfig#redacted()}) drops them.
 */
public record RunAws(String accessKeyId, String secretAccessKey) {
  @Override
  public String toString() {
    return "RunAws[<redacted>]";
  }
}
