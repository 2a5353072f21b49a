package dev.orchestra.shared.run;

import java.util.Optional;

/**
 * Where a dispatcher finds the run.yml {@code aws} credentials of a workload that names a
 * credentials Secret (the stored spec has them redacted). Empty when there are none to write, in
 * which case the Secret must already exist.
 */
@FunctionalInterface
public interface RunCredentialsSource {

  Optional<RunCredentials> credentialsFor(Workload workload);

  /** For targets whose runs never carry credentials. */
  static RunCredentialsSource none() {
    return workload -> Optional.empty();
  }
}
