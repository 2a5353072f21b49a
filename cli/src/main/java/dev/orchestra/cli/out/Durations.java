package dev.orchestra.cli.out;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Durations as people read them: {@code 45s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}. */
public final class Durations {
  private Durations() {}

  public static String format(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + String.format("%02d", s % 60) + "s";
    }
    if (s < 86_400) {
      return (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
    }
    return (s / 86_400) + "d" + String.format("%02d", (s % 86_400) / 3600) + "h";
  }

  /** Parses an ISO-8601 instant, or null when absent or unreadable. */
  public static Instant instant(String iso) {
    if (iso == null || iso.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(iso);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(iso).toInstant();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** From {@code start} to {@code end} (or now when end is null), or "-" when start is unknown. */
  public static String between(String start, String end, Instant now) {
    Instant a = instant(start);
    if (a == null) {
      return "-";
    }
    Instant b = end == null ? now : instant(end);
    return b == null ? "-" : format(Duration.between(a, b));
  }
}
