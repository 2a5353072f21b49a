package dev.orchestra.shared.experiment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** An experiment's status, as DESIGN.md names them. */
public enum ExperimentStatus {
  REJECTED,
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  STOPPED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExperimentStatus of(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }

  public boolean isFinal() {
    return this == REJECTED || this == SUCCEEDED || this == FAILED || this == STOPPED;
  }
}
