package dev.orchestra.shared.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.config.ClusterConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeGroupPlannerTest {

  static ClusterConfig gpuCluster(String extra) {
    return UpdatePlannerTest.parse(UpdatePlannerTest.BASE + extra);
  }

  @Test
  void plan_ofGpuCluster_hasSystemCpuGpu() {
    List<NodeGroupPlan> plans = NodeGroupPlanner.plan(gpuCluster("tags: {team: ml}\n"));
    assertThat(plans).extracting(NodeGroupPlan::role).containsExactly("system", "cpu", "gpu");
    NodeGroupPlan system = plans.get(0);
    assertThat(system.minSize()).isEqualTo(1);
    assertThat(system.instanceType()).isEqualTo("t3.large");
    assertThat(system.amiType()).isEqualTo("AL2023_x86_64_STANDARD");
    NodeGroupPlan cpu = plans.get(1);
    assertThat(cpu.minSize()).isZero();
    assertThat(cpu.desiredSize()).isZero();
    assertThat(cpu.taints()).isEmpty();
    NodeGroupPlan gpu = plans.get(2);
    assertThat(gpu.amiType()).isEqualTo("AL2023_x86_64_NVIDIA");
    assertThat(gpu.labels()).containsEntry("orchestra.dev/node-group", "gpu");
    assertThat(gpu.taints())
        .containsExactly(new NodeGroupPlan.Taint("nvidia.com/gpu", "true", "NO_SCHEDULE"));
    assertThat(gpu.tags())
        .containsEntry("k8s.io/cluster-autoscaler/enabled", "true")
        .containsEntry("k8s.io/cluster-autoscaler/c1", "owned")
        .containsEntry(
            "k8s.io/cluster-autoscaler/node-template/label/orchestra.dev/node-group", "gpu")
        .containsEntry(
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu", "true:NoSchedule")
        .containsEntry("orchestra:cluster", "c1")
        .containsEntry("team", "ml");
  }

  @Test
  void plan_whenSpot_usesSpotCapacity_butNeverForSystem() {
    ClusterConfig c =
        UpdatePlannerTest.parse(
            "cluster_name: c1\ncpu: {instance_type: m7g.large, min_nodes: 0, max_nodes: 2, spot: true}\n");
    List<NodeGroupPlan> plans = NodeGroupPlanner.plan(c);
    assertThat(plans.get(0).capacityType()).isEqualTo("ON_DEMAND");
    assertThat(plans.get(1).capacityType()).isEqualTo("SPOT");
    assertThat(plans.get(1).amiType()).isEqualTo("AL2023_ARM_64_STANDARD");
  }

  @Test
  void names_areDeterministic_andRolesFitIam() {
    String longName = "a".repeat(48);
    assertThat(ClusterNames.roles(longName))
        .allSatisfy(r -> assertThat(r).hasSizeLessThanOrEqualTo(64));
    assertThat(NodeGroupPlanner.plan(gpuCluster("")))
        .extracting(NodeGroupPlan::name)
        .isEqualTo(
            NodeGroupPlanner.plan(gpuCluster("")).stream().map(NodeGroupPlan::name).toList());
  }

  @Test
  void ownershipTags_cannotBeOverriddenByFile() {
    assertThat(
            ClusterNames.ownershipTags("c1", java.util.Map.of("orchestra:cluster", "x", "a", "b")))
        .containsEntry("orchestra:cluster", "c1")
        .containsEntry("a", "b");
  }
}
