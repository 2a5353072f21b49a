package dev.orchestra.shared.config;

/**
 * A cluster.yml node group ({@code cpu}, {@code gpu} or {@code system}).
 *
 * @param spot Orchestra extension: use spot capacity (off by default; never for system)
 * @param nodeVolumeSize SigOpt's optional root volume size in GiB; null for the default
 */
public record NodeGroup(
    String instanceType, int minNodes, int maxNodes, boolean spot, Integer nodeVolumeSize) {

  /** SigOpt's defaults for the system group. */
  public static final NodeGroup SYSTEM_DEFAULT = new NodeGroup("t3.large", 1, 2, false, null);
}
