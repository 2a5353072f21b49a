package dev.orchestra.shared.config;

/** What happens to an idle cluster after {@code idle_timeout_minutes}. */
public enum IdleAction {
  /** Scale the cpu and gpu node groups to zero; the control plane and system nodes stay. */
  SCALE_TO_ZERO,
  /** Destroy the whole cluster. */
  DESTROY;

  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
