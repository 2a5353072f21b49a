package dev.orchestra.shared.run;

import java.util.Objects;

/**
 * run.yml's {@code aws} credentials for one run. They reach the pod only as a Kubernetes Secret;
 * {@link #toString()} never prints them.
 */
public record RunCredentials(String accessKeyId, String secretAccessKey) {
  public RunCredentials {
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(secretAccessKey, "secretAccessKey");
  }

  @Override
  public String toString() {
    return "RunCredentials[redacted]";
  }
}
