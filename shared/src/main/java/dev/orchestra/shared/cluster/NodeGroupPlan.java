package dev.orchestra.shared.cluster;

import java.util.List;
import java.util.Map;

/**
 * One EKS managed node group as cluster create makes it.
 *
 * @param role {@code system}, {@code cpu} or {@code gpu} (the value of the node-group label)
 * @param name the EKS node group name: the role plus a digest of what cannot change in place, so a
 *     replacement gets a new name and a retried create finds the one it made
 * @param amiType the EKS AMI type
 * @param capacityType {@code ON_DEMAND} or {@code SPOT}
 * @param desiredSize the size at creation: the minimum, the autoscaler grows it
 * @param diskSize root volume GiB, or null for EKS's default
 * @param labels Kubernetes node labels
 * @param taints Kubernetes node taints
 * @param tags AWS tags: ownership plus the Auto Scaling group tags scale-from-zero reads
 */
public record NodeGroupPlan(
    String role,
    String name,
    String instanceType,
    String amiType,
    String capacityType,
    int minSize,
    int maxSize,
    int desiredSize,
    Integer diskSize,
    Map<String, String> labels,
    List<Taint> taints,
    Map<String, String> tags) {

  /**
   * A node taint in the EKS API's shape.
   *
   * @param effect {@code NO_SCHEDULE}, {@code NO_EXECUTE} or {@code PREFER_NO_SCHEDULE}
   */
  public record Taint(String key, String value, String effect) {
    /** The Kubernetes spelling of the effect ({@code NoSchedule}). */
    public String kubernetesEffect() {
      return switch (effect) {
        case "NO_SCHEDULE" -> "NoSchedule";
        case "NO_EXECUTE" -> "NoExecute";
        case "PREFER_NO_SCHEDULE" -> "PreferNoSchedule";
        default -> effect;
      };
    }
  }

  /** True when the two differ only in what UpdateNodegroupConfig changes in place (sizes). */
  public boolean sameShape(NodeGroupPlan other) {
    return instanceType.equals(other.instanceType)
        && amiType.equals(other.amiType)
        && capacityType.equals(other.capacityType)
        && java.util.Objects.equals(diskSize, other.diskSize);
  }
}
