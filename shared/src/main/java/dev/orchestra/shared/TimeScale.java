package dev.orchestra.shared;

import java.time.Duration;
import java.util.Locale;

/**
 * The one scale factor applied to waits, heartbeats, timeouts and idle periods ({@link
 * EnvVars#TIME_SCALE}). AWS runs at 1; the local runtime's tests run at e.g. 0.05 so a 60 s
 * heartbeat becomes 3 s. Code never forks on it: it scales the numbers it is given.
 */
public record TimeScale(double factor) {

  public static final TimeScale REAL = new TimeScale(1.0);

  public TimeScale {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException(
          EnvVars.TIME_SCALE + " must be a positive number such as 1 or 0.05, got " + factor);
    }
  }

  /** Parses the configured value; blank or null means real time. */
  public static TimeScale parse(String value) {
    if (value == null || value.isBlank()) {
      return REAL;
    }
    try {
      return new TimeScale(Double.parseDouble(value.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          EnvVars.TIME_SCALE + " must be a positive number such as 1 or 0.05, got '" + value + "'",
          e);
    }
  }

  /** A scaled duration, at least one millisecond. */
  public Duration scale(Duration real) {
    long millis = Math.round(real.toMillis() * factor);
    return Duration.ofMillis(Math.max(1, millis));
  }

  /**
   * Scaled whole seconds, at least 1: for ASL fields that take integers ({@code Seconds}, {@code
   * HeartbeatSeconds}, {@code TimeoutSeconds}).
   */
  public int wholeSeconds(int realSeconds) {
    return (int) Math.max(1, Math.round(realSeconds * factor));
  }

  /** Scaled seconds as a decimal string (for env values that accept fractions). */
  public String seconds(double realSeconds) {
    return String.format(Locale.ROOT, "%.3f", realSeconds * factor);
  }

  @Override
  public String toString() {
    return Double.toString(factor);
  }
}
