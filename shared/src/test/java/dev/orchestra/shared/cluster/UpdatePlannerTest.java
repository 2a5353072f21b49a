package dev.orchestra.shared.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.cluster.UpdateAction.Kind;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.Parsed;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpdatePlannerTest {

  static final String BASE =
      """
      cluster_name: c1
      cpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}
      gpu: {instance_type: g5.xlarge, min_nodes: 0, max_nodes: 2}
      """;

  static ClusterConfig parse(String yaml) {
    Parsed<ClusterConfig> p = ConfigParser.parseCluster("cluster.yml", yaml);
    assertThat(p.findings()).isEmpty();
    return p.value();
  }

  static UpdatePlan plan(String before, String after) {
    return UpdatePlanner.plan(parse(before), "1.36", parse(after), "cluster.yml");
  }

  static List<Kind> kinds(UpdatePlan plan) {
    return plan.actions().stream().map(UpdateAction::kind).toList();
  }

  @Test
  void plan_whenSameFile_isEmpty() {
    assertThat(plan(BASE, BASE).empty()).isTrue();
  }

  @Test
  void plan_whenMaxNodesChanges_scalesInPlace() {
    UpdatePlan p = plan(BASE, BASE.replace("max_nodes: 2}\ngpu", "max_nodes: 5}\ngpu"));
    assertThat(kinds(p)).containsExactly(Kind.SCALE_NODE_GROUP);
    UpdateAction a = p.actions().get(0);
    assertThat(a.role()).isEqualTo("cpu");
    assertThat(a.nodeGroup().maxSize()).isEqualTo(5);
    assertThat(a.oldName()).isEqualTo(a.nodeGroup().name());
  }

  @Test
  void plan_whenMinNodesChanges_scalesInPlace() {
    UpdatePlan p = plan(BASE, BASE.replace("g5.xlarge, min_nodes: 0", "g5.xlarge, min_nodes: 1"));
    assertThat(kinds(p)).containsExactly(Kind.SCALE_NODE_GROUP);
    assertThat(p.actions().get(0).role()).isEqualTo("gpu");
    assertThat(p.actions().get(0).nodeGroup().minSize()).isEqualTo(1);
  }

  @Test
  void plan_whenSystemSizesChange_scalesSystem() {
    UpdatePlan p = plan(BASE, BASE + "system: {min_nodes: 2, max_nodes: 3}\n");
    assertThat(kinds(p)).containsExactly(Kind.SCALE_NODE_GROUP);
    assertThat(p.actions().get(0).role()).isEqualTo("system");
  }

  @Test
  void plan_whenInstanceTypeChanges_replacesWithNewName() {
    UpdatePlan p = plan(BASE, BASE.replace("m5.large", "m5.xlarge"));
    assertThat(kinds(p)).containsExactly(Kind.REPLACE_NODE_GROUP);
    UpdateAction a = p.actions().get(0);
    assertThat(a.nodeGroup().instanceType()).isEqualTo("m5.xlarge");
    assertThat(a.nodeGroup().name()).isNotEqualTo(a.oldName()).startsWith("cpu-");
  }

  @Test
  void plan_whenGpuFamilyChangesAmi_replaces() {
    UpdatePlan p = plan(BASE, BASE.replace("g5.xlarge", "g5g.xlarge"));
    assertThat(kinds(p)).containsExactly(Kind.REPLACE_NODE_GROUP);
    assertThat(p.actions().get(0).nodeGroup().amiType()).isEqualTo("AL2023_ARM_64_NVIDIA");
  }

  @Test
  void plan_whenSpotChanges_replacesWithSpotCapacity() {
    UpdatePlan p = plan(BASE, BASE.replace("max_nodes: 2}\ngpu", "max_nodes: 2, spot: true}\ngpu"));
    assertThat(kinds(p)).containsExactly(Kind.REPLACE_NODE_GROUP);
    assertThat(p.actions().get(0).nodeGroup().capacityType()).isEqualTo("SPOT");
  }

  @Test
  void plan_whenVolumeSizeChanges_replaces() {
    UpdatePlan p =
        plan(BASE, BASE.replace("max_nodes: 2}\ngpu", "max_nodes: 2, node_volume_size: 200}\ngpu"));
    assertThat(kinds(p)).containsExactly(Kind.REPLACE_NODE_GROUP);
    assertThat(p.actions().get(0).nodeGroup().diskSize()).isEqualTo(200);
  }

  @Test
  void plan_whenGroupAddedAndRemoved_addsBeforeRemoving() {
    String cpuOnly =
        "cluster_name: c1\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}\n";
    String gpuOnly =
        "cluster_name: c1\ngpu: {instance_type: g5.xlarge, min_nodes: 0, max_nodes: 2}\n";
    UpdatePlan p = plan(cpuOnly, gpuOnly);
    assertThat(kinds(p)).containsExactly(Kind.ADD_NODE_GROUP, Kind.REMOVE_NODE_GROUP);
    assertThat(p.actions().get(0).role()).isEqualTo("gpu");
    assertThat(p.actions().get(1).role()).isEqualTo("cpu");
    assertThat(p.actions().get(1).oldName()).startsWith("cpu-");
  }

  @Test
  void plan_whenClusterNameChanges_refusesWithWhatToDo() {
    UpdatePlan p = plan(BASE, BASE.replace("c1", "c2") + "tags: {a: b}\n");
    assertThat(p.refused()).isTrue();
    assertThat(p.actions()).isEmpty();
    assertThat(p.refusals().get(0).path()).isEqualTo("cluster_name");
    assertThat(p.refusals().get(0).fix()).contains("cluster create").contains("cluster destroy");
  }

  @Test
  void plan_whenProviderChanges_refuses() {
    UpdatePlan p = plan(BASE, BASE + "provider: custom\n");
    assertThat(p.refusals()).extracting(f -> f.path()).containsExactly("provider");
  }

  @Test
  void plan_whenVersionDowngrades_refuses() {
    UpdatePlan p = plan(BASE, BASE + "kubernetes_version: '1.35'\n");
    assertThat(p.refused()).isTrue();
    assertThat(p.refusals().get(0).problem()).contains("downgrade");
    assertThat(p.refusals().get(0).fix()).contains("'1.36'");
  }

  @Test
  void plan_whenVersionSkipsMinor_refusesWithNextStep() {
    ClusterConfig before = parse(BASE + "kubernetes_version: '1.33'\n");
    ClusterConfig after = parse(BASE + "kubernetes_version: '1.35'\n");
    UpdatePlan p = UpdatePlanner.plan(before, "1.33", after, "cluster.yml");
    assertThat(p.refusals().get(0).fix()).contains("'1.34'");
  }

  @Test
  void plan_whenVersionUpOneMinor_upgrades() {
    ClusterConfig before = parse(BASE + "kubernetes_version: '1.35'\n");
    ClusterConfig after = parse(BASE + "kubernetes_version: '1.36'\n");
    UpdatePlan p = UpdatePlanner.plan(before, "1.35", after, "cluster.yml");
    assertThat(kinds(p)).containsExactly(Kind.UPGRADE_VERSION);
    assertThat(p.actions().get(0).version()).isEqualTo("1.36");
  }

  @Test
  void plan_whenVersionOmitted_keepsCurrent() {
    ClusterConfig before = parse(BASE + "kubernetes_version: '1.34'\n");
    UpdatePlan p = UpdatePlanner.plan(before, "1.34", parse(BASE), "cluster.yml");
    assertThat(p.empty()).isTrue();
  }

  @Test
  void plan_whenTagsChange_setsAndRemoves() {
    UpdatePlan p = plan(BASE + "tags: {team: ml, old: x}\n", BASE + "tags: {team: cv, new: y}\n");
    assertThat(kinds(p)).containsExactly(Kind.UPDATE_TAGS);
    assertThat(p.actions().get(0).tags()).containsOnlyKeys("team", "new");
    assertThat(p.actions().get(0).removeTagKeys()).containsExactly("old");
  }

  @Test
  void plan_whenPoliciesChange_attachesAndDetaches() {
    String a = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    String b = "arn:aws:iam::123456789012:policy/team/mine";
    UpdatePlan p =
        plan(
            BASE + "aws: {additional_policies: [" + a + "]}\n",
            BASE + "aws: {additional_policies: [" + b + "]}\n");
    assertThat(kinds(p)).containsExactly(Kind.ATTACH_POLICIES, Kind.DETACH_POLICIES);
    assertThat(p.actions().get(0).policies()).containsExactly(b);
    assertThat(p.actions().get(1).policies()).containsExactly(a);
  }

  @Test
  void plan_whenIdleSettingsChange_setsIdle() {
    assertThat(kinds(plan(BASE, BASE + "idle_timeout_minutes: 30\n")))
        .containsExactly(Kind.SET_IDLE);
    assertThat(
            kinds(
                plan(
                    BASE + "idle_timeout_minutes: 30\n",
                    BASE + "idle_timeout_minutes: 30\nidle_action: destroy\n")))
        .containsExactly(Kind.SET_IDLE);
  }

  @Test
  void plan_whenSigningCredentialsChange_isEmpty() {
    UpdatePlan p =
        plan(BASE, BASE + "aws: {aws_access_key_id: AKIAEXAMPLE, aws_secret_access_key: s}\n");
    assertThat(p.empty()).isTrue();
  }

  @Test
  void describe_coversEveryKind() {
    UpdatePlan p =
        plan(
            "cluster_name: c1\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}\n",
            "cluster_name: c1\ngpu: {instance_type: g5.xlarge, min_nodes: 0, max_nodes: 2}\n");
    assertThat(p.actions()).allSatisfy(a -> assertThat(a.describe()).isNotBlank());
  }
}
