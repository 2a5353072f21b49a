package dev.orchestra.shared.config;

/**
 * run.yml {@code resources}.
 *
 * @param requests never null
 * @param limits never null
 * @param gpus whole GPUs per run; 0 when not given
 */
public record RunResources(ResourceAmounts requests, ResourceAmounts limits, int gpus) {
  public static final RunResources NONE =
      new RunResources(ResourceAmounts.NONE, ResourceAmounts.NONE, 0);

  public RunResources {
    requests = requests == null ? ResourceAmounts.NONE : requests;
    limits = limits == null ? ResourceAmounts.NONE : limits;
  }
}
