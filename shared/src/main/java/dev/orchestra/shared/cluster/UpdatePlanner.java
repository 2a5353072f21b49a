package dev.orchestra.shared.cluster;

import dev.orchestra.shared.cluster.UpdateAction.Kind;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.run.NodeGroups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares the stored cluster.yml with a new one. Sizes change in place; a new instance type, AMI,
 * capacity type or volume size replaces the node group; groups are added and removed; a change EKS
 * cannot apply is refused, before anything is touched, with the reason and what to do instead.
 */
public final class UpdatePlanner {
  private UpdatePlanner() {}

  private static final List<String> ROLES =
      List.of(NodeGroups.SYSTEM, NodeGroups.CPU, NodeGroups.GPU);

  /**
   * @param stored the file the cluster was created or last updated with
   * @param currentVersion the cluster's Kubernetes version now (what the stored file resolved to)
   * @param next the new file
   * @param fileName the new file's name, for findings
   */
  public static UpdatePlan plan(
      ClusterConfig stored, String currentVersion, ClusterConfig next, String fileName) {
    List<Finding> refusals = new ArrayList<>();
    if (!stored.clusterName().equals(next.clusterName())) {
      refusals.add(
          new Finding(
              fileName,
              "cluster_name",
              "the cluster's name cannot change (it is '" + stored.clusterName() + "')",
              "to rename, create a new cluster with `orchestra cluster create` and destroy '"
                  + stored.clusterName()
                  + "' with `orchestra cluster destroy`"));
    }
    if (stored.provider() != next.provider()) {
      refusals.add(
          new Finding(
              fileName,
              "provider",
              "the provider cannot change (it is '" + stored.provider().yamlName() + "')",
              "keep provider: " + stored.provider().yamlName() + ", or create a new cluster"));
    }
    String version = versionChange(currentVersion, next.kubernetesVersion(), fileName, refusals);
    if (!refusals.isEmpty()) {
      return new UpdatePlan(List.of(), refusals);
    }

    List<UpdateAction> actions = new ArrayList<>();
    if (version != null) {
      actions.add(
          new UpdateAction(Kind.UPGRADE_VERSION, null, null, null, null, null, null, version));
    }
    List<UpdateAction> removals = new ArrayList<>();
    for (String role : ROLES) {
      NodeGroupPlan before = NodeGroupPlanner.forRole(stored, role);
      NodeGroupPlan after = NodeGroupPlanner.forRole(next, role);
      if (before == null && after != null) {
        actions.add(UpdateAction.of(Kind.ADD_NODE_GROUP, role, null, after));
      } else if (before != null && after == null) {
        removals.add(UpdateAction.of(Kind.REMOVE_NODE_GROUP, role, before.name(), null));
      } else if (before != null) {
        if (!before.sameShape(after)) {
          actions.add(UpdateAction.of(Kind.REPLACE_NODE_GROUP, role, before.name(), after));
        } else if (before.minSize() != after.minSize() || before.maxSize() != after.maxSize()) {
          actions.add(UpdateAction.of(Kind.SCALE_NODE_GROUP, role, before.name(), after));
        }
      }
    }
    // Removals last: a replacement or an addition gives pods somewhere to go first.
    actions.addAll(removals);

    Map<String, String> setTags = new LinkedHashMap<>();
    next.tags()
        .forEach(
            (k, v) -> {
              if (!v.equals(stored.tags().get(k))) {
                setTags.put(k, v);
              }
            });
    List<String> removeTags =
        stored.tags().keySet().stream().filter(k -> !next.tags().containsKey(k)).toList();
    if (!setTags.isEmpty() || !removeTags.isEmpty()) {
      actions.add(
          new UpdateAction(Kind.UPDATE_TAGS, null, null, null, setTags, removeTags, null, null));
    }

    Set<String> oldPolicies = new LinkedHashSet<>(stored.aws().additionalPolicies());
    Set<String> newPolicies = new LinkedHashSet<>(next.aws().additionalPolicies());
    List<String> attach = newPolicies.stream().filter(p -> !oldPolicies.contains(p)).toList();
    List<String> detach = oldPolicies.stream().filter(p -> !newPolicies.contains(p)).toList();
    if (!attach.isEmpty()) {
      actions.add(
          new UpdateAction(Kind.ATTACH_POLICIES, null, null, null, null, null, attach, null));
    }
    if (!detach.isEmpty()) {
      actions.add(
          new UpdateAction(Kind.DETACH_POLICIES, null, null, null, null, null, detach, null));
    }

    if (!Objects.equals(stored.idleTimeoutMinutes(), next.idleTimeoutMinutes())
        || stored.idleAction() != next.idleAction()) {
      actions.add(UpdateAction.of(Kind.SET_IDLE, null, null, null));
    }
    return new UpdatePlan(actions, List.of());
  }

  /**
   * The version to upgrade to, or null for none. An omitted version keeps the cluster's; EKS
   * upgrades one minor version at a time and never downgrades.
   */
  private static String versionChange(
      String current, String requested, String fileName, List<Finding> refusals) {
    if (requested == null || requested.equals(current) || current == null) {
      return null;
    }
    int[] from = parse(current);
    int[] to = parse(requested);
    if (from == null || to == null) {
      return null; // the validator has already reported a malformed version
    }
    int diff = (to[0] - from[0]) * 1000 + (to[1] - from[1]);
    if (diff < 0) {
      refusals.add(
          new Finding(
              fileName,
              "kubernetes_version",
              "EKS cannot downgrade a cluster from " + current + " to " + requested,
              "keep kubernetes_version: '"
                  + current
                  + "', or create a new cluster on "
                  + requested
                  + " and destroy this one"));
      return null;
    }
    if (to[0] != from[0] || diff > 1) {
      String step = from[0] + "." + (from[1] + 1);
      refusals.add(
          new Finding(
              fileName,
              "kubernetes_version",
              "EKS upgrades one minor version at a time; "
                  + current
                  + " cannot go to "
                  + requested
                  + " directly",
              "set kubernetes_version: '"
                  + step
                  + "' and update, then continue one version at a time"));
      return null;
    }
    return requested;
  }

  private static int[] parse(String version) {
    String[] parts = version.split("\\.");
    if (parts.length != 2) {
      return null;
    }
    try {
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
