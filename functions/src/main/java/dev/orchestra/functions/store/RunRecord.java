package dev.orchestra.functions.store;

import dev.orchestra.shared.experiment.RunStatus;
import java.util.List;
import java.util.Map;

/**
 * One run as stored. The current attempt's token and nonce live here; earlier attempts only leave
 * their reason in {@code attempts}.
 *
 * @param assignments the suggestion, null until Suggest committed one
 * @param metrics the observation's metrics (succeeded) or what the run reported (failed)
 * @param reason why the run did not succeed, null when it did
 * @param next the run id this run's completion issued, or null
 * @param resultAttempt the attempt whose carrier result {@code exitCode}, {@code metrics} and
 *     {@code outputTail} hold, or null
 * @param lastSignAt epoch millis of the current attempt's last heartbeat, else of its dispatch;
 *     null before dispatch
 */
public record RunRecord(
    String experimentId,
    String runId,
    int number,
    int attempt,
    RunStatus status,
    Map<String, Object> assignments,
    Map<String, Object> metrics,
    String reason,
    Integer exitCode,
    String outputTail,
    String token,
    String nonce,
    List<Attempt> attempts,
    String next,
    Integer resultAttempt,
    Long lastSignAt) {

  public RunRecord {
    attempts = attempts == null ? List.of() : List.copyOf(attempts);
  }

  /** This run as it is once finished with {@code status} and {@code metrics}. */
  public RunRecord finishedAs(RunStatus status, Map<String, Object> metrics) {
    return new RunRecord(
        experimentId,
        runId,
        number,
        attempt,
        status,
        assignments,
        metrics,
        reason,
        exitCode,
        outputTail,
        null,
        nonce,
        attempts,
        next,
        resultAttempt,
        lastSignAt);
  }

  /** An attempt that ended, with its reason (null when it succeeded). */
  public record Attempt(int attempt, String reason, Integer exitCode) {}
}
