package dev.orchestra.functions.run;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.EnvVars;

/**
 * Heartbeat and run timeouts, scaled by {@code ORCHESTRA_TIME_SCALE} (1 in AWS; small in tests, so
 * a five-minute heartbeat loss is seconds). The state machine reads both through paths.
 */
public record TimeSettings(double scale, int heartbeatTimeoutSeconds) {
  /** No max_run_minutes: Step Functions' own task ceiling. */
  static final int NO_TIMEOUT = 99_999_999;

  public static TimeSettings from(OrchestraConfig config) {
    double scale = config.get(EnvVars.TIME_SCALE).map(Double::parseDouble).orElse(1.0);
    int hb = config.get(EnvVars.RUN_HEARTBEAT_TIMEOUT_SECONDS).map(Integer::parseInt).orElse(300);
    return new TimeSettings(scale, hb);
  }

  public RunInput firstAttempt(String experimentId, String runId, Double maxRunMinutes) {
    int timeout =
        maxRunMinutes == null
            ? NO_TIMEOUT
            : Math.max(2, (int) Math.round(maxRunMinutes * 60 * scale));
    int heartbeat = Math.max(1, (int) Math.round(heartbeatTimeoutSeconds * scale));
    // Step Functions wants the heartbeat below the timeout.
    heartbeat = Math.min(heartbeat, timeout - 1);
    return new RunInput(experimentId, runId, 1, heartbeat, timeout, null);
  }
}
