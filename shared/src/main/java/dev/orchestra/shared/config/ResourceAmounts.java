package dev.orchestra.shared.config;

import io.fabric8.kubernetes.api.model.Quantity;

/**
 * run.yml {@code resources.requests} or {@code resources.limits}: Kubernetes quantities, each null
 * when not given.
 */
public record ResourceAmounts(Quantity cpu, Quantity memory, Quantity ephemeralStorage) {
  public static final ResourceAmounts NONE = new ResourceAmounts(null, null, null);

  public boolean isEmpty() {
    return cpu == null && memory == null && ephemeralStorage == null;
  }
}
