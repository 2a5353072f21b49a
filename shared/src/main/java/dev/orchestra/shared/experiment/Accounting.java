package dev.orchestra.shared.experiment;

import dev.orchestra.shared.Errors;
import dev.orchestra.shared.search.Metric;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The experiment's arithmetic (DESIGN.md "Identity, idempotency and accounting"), pure so it tests
 * in milliseconds: when another run may be issued, which outcome a run has, and how the experiment
 * ends.
 */
public final class Accounting {
  private Accounting() {}

  /** Counters kept on the experiment record. */
  public record Counters(int issued, int running, int succeeded, int failed, boolean stopped) {}

  /** Whether one more run id may be handed out. */
  public static boolean mayIssue(ExperimentPlan plan, Counters c) {
    return !c.stopped()
        && c.issued() < plan.budget()
        && c.failed() < plan.maxFailedRuns()
        && c.running() < plan.parallelBandwidth();
  }

  /** Nothing runs and nothing more will be issued: the experiment can finalize. */
  public static boolean isDone(ExperimentPlan plan, Counters c) {
    boolean noMore =
        c.stopped() || c.issued() >= plan.budget() || c.failed() >= plan.maxFailedRuns();
    return c.running() == 0 && noMore;
  }

  /** The experiment's final status from its counters. */
  public static ExperimentStatus finalStatus(ExperimentPlan plan, Counters c) {
    if (c.stopped()) {
      return ExperimentStatus.STOPPED;
    }
    if (c.failed() >= plan.maxFailedRuns() || c.succeeded() == 0) {
      return ExperimentStatus.FAILED;
    }
    return ExperimentStatus.SUCCEEDED;
  }

  /**
   * Checks a run's metrics file against the experiment: every optimized and constraint metric must
   * be present and finite. Returns the reason the run failed, or empty when it is a valid
   * observation.
   */
  public static Optional<String> metricProblem(ExperimentPlan plan, Map<String, Object> metrics) {
    if (metrics == null) {
      return Optional.of(
          "no metrics: the run did not write a JSON object to ORCHESTRA_METRICS_FILE");
    }
    for (Metric m : plan.requiredMetrics()) {
      Object v = metrics.get(m.name());
      if (v == null) {
        return Optional.of("metric " + m.name() + " missing from ORCHESTRA_METRICS_FILE");
      }
      Double d = toDouble(v);
      if (d == null || !Double.isFinite(d)) {
        return Optional.of("metric " + m.name() + " is not a finite number (" + v + ")");
      }
    }
    return Optional.empty();
  }

  /** The numeric metrics of a result, dropping anything non-numeric or non-finite. */
  public static Map<String, Double> numericMetrics(Map<String, Object> metrics) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (metrics != null) {
      metrics.forEach(
          (k, v) -> {
            Double d = toDouble(v);
            if (d != null && Double.isFinite(d)) {
              out.put(k, d);
            }
          });
    }
    return out;
  }

  /**
   * The reason recorded for an attempt that ended in a Step Functions error.
   *
   * @param error the error name (an FQCN constant of {@link Errors}, or a States.* name)
   * @param exitCode the exit code when the carrier reported one, else null
   * @param message a short message from the cause, used for unexpected errors
   */
  public static String reasonFor(String error, Integer exitCode, String message) {
    if (Errors.STATES_HEARTBEAT_TIMEOUT.equals(error)) {
      return Reasons.HEARTBEAT_LOST;
    }
    if (Errors.STATES_TIMEOUT.equals(error)) {
      return Reasons.TIMEOUT;
    }
    if (Errors.RUN_LOST.equals(error)) {
      return Reasons.LOST;
    }
    if (Errors.RUN_INTERRUPTED.equals(error)) {
      return Reasons.INTERRUPTED;
    }
    if (Errors.RUN_FAILED.equals(error) && exitCode != null) {
      return Reasons.exit(exitCode);
    }
    String shortName = error == null ? "error" : error.substring(error.lastIndexOf('.') + 1);
    return message == null || message.isBlank() ? shortName : shortName + ": " + message;
  }

  /** Whether an attempt that failed with {@code reason} is tried again. */
  public static boolean retries(String reason, int attempt, boolean stopped) {
    return !stopped && Reasons.RETRYABLE.contains(reason) && attempt < Reasons.MAX_ATTEMPTS;
  }

  static Double toDouble(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String s) {
      switch (s) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          return null;
      }
    }
    return null;
  }
}
