package dev.orchestra.shared.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;

/**
 * The one message format every carrier speaks (reporter container, process node, EC2 agent): a
 * heartbeat while the training process lives, then one result.
 *
 * <p>{@code metrics} maps a metric name to a number, or to one of the strings {@code "NaN"}, {@code
 * "Infinity"}, {@code "-Infinity"} for a non-finite value (JSON has no such numbers); it is null
 * when the metrics file was missing or was not a JSON object, in which case the output tail says
 * why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultMessage(
    @JsonProperty("v") int version,
    @JsonProperty("experiment_id") String experimentId,
    @JsonProperty("run_id") String runId,
    @JsonProperty("attempt") int attempt,
    @JsonProperty("kind") Kind kind,
    @JsonProperty("nonce") String nonce,
    @JsonProperty("exit_code") Integer exitCode,
    @JsonProperty("metrics") Map<String, Object> metrics,
    @JsonProperty("output_tail") String outputTail) {

  public static final int VERSION = 1;

  /** Heartbeat or result. */
  public enum Kind {
    HEARTBEAT("heartbeat"),
    RESULT("result");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    @JsonValue
    public String wire() {
      return wire;
    }
  }

  public static ResultMessage heartbeat(
      String experimentId, String runId, int attempt, String nonce) {
    return new ResultMessage(
        VERSION, experimentId, runId, attempt, Kind.HEARTBEAT, nonce, null, null, null);
  }

  public static ResultMessage result(
      String experimentId,
      String runId,
      int attempt,
      String nonce,
      int exitCode,
      Map<String, Object> metrics,
      String outputTail) {
    return new ResultMessage(
        VERSION, experimentId, runId, attempt, Kind.RESULT, nonce, exitCode, metrics, outputTail);
  }

  /**
   * The result of an attempt whose process vanished without an exit (its carrier died with the
   * runtime and found it on restart): no exit code, no metrics. The control plane fails it as
   * {@code lost} and retries the run with the next attempt.
   */
  public static ResultMessage lost(
      String experimentId, String runId, int attempt, String nonce, String outputTail) {
    return new ResultMessage(
        VERSION, experimentId, runId, attempt, Kind.RESULT, nonce, null, null, outputTail);
  }
}
