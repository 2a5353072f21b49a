package dev.orchestra.shared.experiment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A run's status, as DESIGN.md names them. */
public enum RunStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  STOPPED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RunStatus of(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }

  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == STOPPED;
  }
}
