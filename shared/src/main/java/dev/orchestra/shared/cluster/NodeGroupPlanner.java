package dev.orchestra.shared.cluster;

import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.GpuFamilies;
import dev.orchestra.shared.config.NodeGroup;
import dev.orchestra.shared.run.NodeGroups;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The managed node groups a cluster.yml asks for: system always (at least one node), cpu and gpu
 * when present (minimum zero allowed, the autoscaler scales them from zero).
 */
public final class NodeGroupPlanner {
  private NodeGroupPlanner() {}

  public static final String ON_DEMAND = "ON_DEMAND";
  public static final String SPOT = "SPOT";
  public static final String CPU_AMI_TYPE = "AL2023_x86_64_STANDARD";
  public static final String CPU_ARM_AMI_TYPE = "AL2023_ARM_64_STANDARD";

  static final String CA_PREFIX = "k8s.io/cluster-autoscaler/";
  public static final String CA_ENABLED_TAG = CA_PREFIX + "enabled";
  static final String CA_LABEL_PREFIX = CA_PREFIX + "node-template/label/";
  static final String CA_TAINT_PREFIX = CA_PREFIX + "node-template/taint/";

  /** The GPU taint: only pods that tolerate it (GPU Jobs) land on GPU nodes. */
  public static final NodeGroupPlan.Taint GPU_TAINT =
      new NodeGroupPlan.Taint(NodeGroups.GPU_RESOURCE, "true", "NO_SCHEDULE");

  /** The node groups in creation order: system, cpu, gpu. */
  public static List<NodeGroupPlan> plan(ClusterConfig config) {
    List<NodeGroupPlan> plans = new ArrayList<>();
    plans.add(plan(config, NodeGroups.SYSTEM, config.system()));
    if (config.cpu() != null) {
      plans.add(plan(config, NodeGroups.CPU, config.cpu()));
    }
    if (config.gpu() != null) {
      plans.add(plan(config, NodeGroups.GPU, config.gpu()));
    }
    return List.copyOf(plans);
  }

  /** The plan for one role, or null when the file has no such group. */
  public static NodeGroupPlan forRole(ClusterConfig config, String role) {
    return plan(config).stream().filter(p -> p.role().equals(role)).findFirst().orElse(null);
  }

  static NodeGroupPlan plan(ClusterConfig config, String role, NodeGroup group) {
    boolean gpu = role.equals(NodeGroups.GPU);
    String amiType = gpu ? GpuFamilies.amiType(group.instanceType()) : cpuAmiType(group);
    // System always runs on demand: losing it loses the autoscaler and the add-ons.
    String capacity = group.spot() && !role.equals(NodeGroups.SYSTEM) ? SPOT : ON_DEMAND;
    int min = role.equals(NodeGroups.SYSTEM) ? Math.max(1, group.minNodes()) : group.minNodes();
    int max = Math.max(min, Math.max(1, group.maxNodes()));
    Map<String, String> labels = Map.of(NodeGroups.LABEL, role);
    List<NodeGroupPlan.Taint> taints = gpu ? List.of(GPU_TAINT) : List.of();

    Map<String, String> tags = new LinkedHashMap<>(config.tags());
    tags.put(CA_ENABLED_TAG, "true");
    tags.put(CA_PREFIX + config.clusterName(), "owned");
    labels.forEach((k, v) -> tags.put(CA_LABEL_PREFIX + k, v));
    for (NodeGroupPlan.Taint t : taints) {
      tags.put(CA_TAINT_PREFIX + t.key(), t.value() + ":" + t.kubernetesEffect());
    }
    tags.put(ClusterNames.OWNER_TAG, config.clusterName());

    String name = role + "-" + digest(group.instanceType(), amiType, capacity, group);
    return new NodeGroupPlan(
        role,
        name,
        group.instanceType(),
        amiType,
        capacity,
        min,
        max,
        min,
        group.nodeVolumeSize(),
        labels,
        taints,
        Map.copyOf(tags));
  }

  /** Graviton families (a "g" after the generation digit, e.g. m7g, c6gn) run the ARM AMI. */
  static String cpuAmiType(NodeGroup group) {
    String family = GpuFamilies.family(group.instanceType());
    return family.matches("[a-z]+\\d+g[a-z]*") ? CPU_ARM_AMI_TYPE : CPU_AMI_TYPE;
  }

  private static String digest(
      String instanceType, String amiType, String capacity, NodeGroup group) {
    String key =
        instanceType + "|" + amiType + "|" + capacity + "|" + group.nodeVolumeSize() + "|v1";
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
