package dev.orchestra.shared.run;

/**
 * How runs find their nodes. Cluster create labels every node group's nodes with {@link #LABEL} =
 * the group's role and taints the GPU group with {@link #GPU_RESOURCE}{@code :NoSchedule}; a Job
 * that asks for GPUs selects {@link #GPU} and tolerates that taint, and no other pod lands there.
 */
public final class NodeGroups {
  private NodeGroups() {}

  /** Node label carrying the node group's role. */
  public static final String LABEL = "orchestra.dev/node-group";

  public static final String SYSTEM = "system";
  public static final String CPU = "cpu";
  public static final String GPU = "gpu";

  /**
   * The NVIDIA device plugin's extended resource, and the key of the GPU nodes' NoSchedule taint.
   */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";
}
