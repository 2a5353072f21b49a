package dev.orchestra.functions;

import java.util.Map;
import java.util.Optional;

/**
 * The configuration every handler and adapter reads: table names, queue URLs, endpoints. It comes
 * from the environment in exactly one place ({@link #fromEnvironment()}); the local runtime builds
 * one from its own map, so the same code runs in AWS and locally without a fork.
 */
public final class OrchestraConfig {
  private final Map<String, String> values;

  public OrchestraConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** The Lambda environment. */
  public static OrchestraConfig fromEnvironment() {
    return new OrchestraConfig(System.getenv());
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name)).filter(v -> !v.isBlank());
  }

  public String require(String name) {
    return get(name)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "environment variable " + name + " is not set; the stack sets it on deploy"));
  }

  public Map<String, String> asMap() {
    return values;
  }
}
