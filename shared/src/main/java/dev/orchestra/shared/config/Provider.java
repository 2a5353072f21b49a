package dev.orchestra.shared.config;

/**
 * cluster.yml {@code provider}: Orchestra creates {@code aws} clusters; {@code custom} ones are
 * connected.
 */
public enum Provider {
  AWS,
  CUSTOM;

  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
