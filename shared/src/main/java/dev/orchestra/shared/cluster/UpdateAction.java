package dev.orchestra.shared.cluster;

import java.util.List;
import java.util.Map;

/**
 * One step of a cluster update. A flat record (not a type hierarchy) so the update state machine
 * can carry a list of them in its state and branch on {@link #kind}.
 *
 * @param role the node group role, for node group actions
 * @param oldName the node group being scaled, replaced or removed
 * @param nodeGroup the node group to create (add, replace) or the new sizes (scale)
 * @param tags tags to set (update tags)
 * @param removeTagKeys tag keys to remove (update tags)
 * @param policies policy ARNs to attach or detach
 * @param version the Kubernetes version to upgrade to
 */
public record UpdateAction(
    Kind kind,
    String role,
    String oldName,
    NodeGroupPlan nodeGroup,
    Map<String, String> tags,
    List<String> removeTagKeys,
    List<String> policies,
    String version) {

  public enum Kind {
    /** UpdateClusterVersion, one minor version. */
    UPGRADE_VERSION,
    /** CreateNodegroup for a group the stored file did not have. */
    ADD_NODE_GROUP,
    /** CreateNodegroup with the new shape, poll it ACTIVE, then DeleteNodegroup the old one. */
    REPLACE_NODE_GROUP,
    /** UpdateNodegroupConfig (min and max; desired clamped into them), then poll DescribeUpdate. */
    SCALE_NODE_GROUP,
    /** DeleteNodegroup for a group the new file drops. */
    REMOVE_NODE_GROUP,
    /** TagResource/UntagResource on the cluster and its node groups. */
    UPDATE_TAGS,
    /** AttachRolePolicy on the node role. */
    ATTACH_POLICIES,
    /** DetachRolePolicy on the node role. */
    DETACH_POLICIES,
    /** New idle_timeout_minutes / idle_action: the record and the idle schedule change. */
    SET_IDLE
  }

  public UpdateAction {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    removeTagKeys = removeTagKeys == null ? List.of() : List.copyOf(removeTagKeys);
    policies = policies == null ? List.of() : List.copyOf(policies);
  }

  static UpdateAction of(Kind kind, String role, String oldName, NodeGroupPlan nodeGroup) {
    return new UpdateAction(kind, role, oldName, nodeGroup, null, null, null, null);
  }

  /** One line for progress output and the plan preview. */
  public String describe() {
    return switch (kind) {
      case UPGRADE_VERSION -> "upgrade Kubernetes to " + version;
      case ADD_NODE_GROUP ->
          "add node group " + role + " (" + nodeGroup.instanceType() + sizes(nodeGroup) + ")";
      case REPLACE_NODE_GROUP ->
          "replace node group "
              + role
              + " ("
              + oldName
              + " → "
              + nodeGroup.name()
              + ", "
              + nodeGroup.instanceType()
              + ", "
              + nodeGroup.capacityType()
              + "): new group first, then the old one is deleted";
      case SCALE_NODE_GROUP -> "scale node group " + role + " in place to" + sizes(nodeGroup);
      case REMOVE_NODE_GROUP -> "remove node group " + role + " (" + oldName + ")";
      case UPDATE_TAGS -> "set tags " + tags.keySet() + ", remove tags " + removeTagKeys;
      case ATTACH_POLICIES -> "attach " + policies + " to the node role";
      case DETACH_POLICIES -> "detach " + policies + " from the node role";
      case SET_IDLE -> "change the idle teardown settings";
    };
  }

  private static String sizes(NodeGroupPlan p) {
    return " min " + p.minSize() + ", max " + p.maxSize();
  }
}
