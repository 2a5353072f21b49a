package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterConfigTest {

  static final String CPU = "cpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}\n";

  static Parsed<ClusterConfig> parse(String yaml) {
    return ConfigParser.parseCluster("cluster.yml", yaml);
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        arguments("minimal cpu", "cluster_name: c1\n" + CPU),
        arguments(
            "gpu only",
            "cluster_name: g\ngpu: {instance_type: g5.xlarge, min_nodes: 0, max_nodes: 1}\n"),
        arguments("name at 48 chars", "cluster_name: " + "a".repeat(48) + "\n" + CPU),
        arguments("name with - and _", "cluster_name: 0my_cluster-1\n" + CPU),
        arguments("provider custom", "cluster_name: c\nprovider: custom\n" + CPU),
        arguments(
            "min equals max",
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 3, max_nodes: 3}\n"),
        arguments("supported version", "cluster_name: c\nkubernetes_version: '1.33'\n" + CPU),
        arguments(
            "system override", "cluster_name: c\nsystem: {min_nodes: 2, max_nodes: 3}\n" + CPU),
        arguments(
            "spot cpu and gpu",
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2, spot: true}\ngpu: {instance_type: g6.xlarge, min_nodes: 0, max_nodes: 2, spot: true}\n"),
        arguments("tags", "cluster_name: c\ntags: {team: ml, cost-center: 'x/1'}\n" + CPU),
        arguments(
            "idle", "cluster_name: c\nidle_timeout_minutes: 30\nidle_action: destroy\n" + CPU),
        arguments(
            "node volume",
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2, node_volume_size: 100}\n"),
        arguments(
            "policies",
            "cluster_name: c\naws:\n  additional_policies:\n    - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n    - arn:aws:iam::123456789012:policy/team/mine\n"
                + CPU),
        arguments(
            "signing credentials",
            "cluster_name: c\naws: {aws_access_key_id: AKIAEXAMPLE, aws_secret_access_key: s3cr3t}\n"
                + CPU));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parse_whenValid_returnsModel(String name, String yaml) {
    Parsed<ClusterConfig> p = parse(yaml);
    assertThat(p.findings()).isEmpty();
    assertThat(p.value()).isNotNull();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments(
            "cluster_name: c\n" + CPU.replace("max_nodes", "max_node"),
            "cpu.max_node",
            "unknown field 'max_node'",
            "did you mean max_nodes?"),
        arguments(
            "cluster_nam: c\n" + CPU, "cluster_nam", "unknown field", "did you mean cluster_name?"),
        arguments(CPU, "cluster_name", "cluster_name is required", "add cluster_name"),
        arguments(
            "cluster_name: 'my cluster'\n" + CPU,
            "cluster_name",
            "not a valid EKS cluster name",
            "my-cluster"),
        arguments(
            "cluster_name: -abc\n" + CPU,
            "cluster_name",
            "must start with a letter or digit",
            "abc"),
        arguments(
            "cluster_name: " + "a".repeat(49) + "\n" + CPU,
            "cluster_name",
            "49 characters, above the limit of 48",
            "48"),
        arguments(
            "cluster_name: 123\n" + CPU, "cluster_name", "must be a string, not a number", "quote"),
        arguments(
            "cluster_name: c\nprovider: gcp\n" + CPU,
            "provider",
            "must be one of aws, custom, not 'gcp'",
            "provider: aws"),
        arguments("cluster_name: c\n", "", "no cpu or gpu section", "add a node group"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 0}\n",
            "cpu.max_nodes",
            "max_nodes must be above 0",
            "remove the section"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: -1, max_nodes: 2}\n",
            "cpu.min_nodes",
            "min_nodes must be 0 or more",
            "min_nodes: 0"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 3, max_nodes: 2}\n",
            "cpu.min_nodes",
            "min_nodes (3) is above max_nodes (2)",
            "at most max_nodes"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: '1', max_nodes: 2}\n",
            "cpu.min_nodes",
            "must be a whole number, not a string ('1')",
            "min_nodes"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 0.5, max_nodes: 2}\n",
            "cpu.min_nodes",
            "must be a whole number, not a number (0.5)",
            "min_nodes"),
        arguments(
            "cluster_name: c\ncpu: {min_nodes: 0, max_nodes: 2}\n",
            "cpu.instance_type",
            "instance_type is required",
            "add"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: large, min_nodes: 0, max_nodes: 2}\n",
            "cpu.instance_type",
            "'large' is not an EC2 instance type",
            "m5.large"),
        arguments(
            "cluster_name: c\ncpu: m5.large\n",
            "cpu",
            "cpu must be a mapping, not a string",
            "instance_type"),
        arguments(
            "cluster_name: c\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2, spot: maybe}\n",
            "cpu.spot",
            "must be true or false",
            "spot: true"),
        arguments(
            "cluster_name: c\ngpu: {instance_type: p2.xlarge, min_nodes: 0, max_nodes: 2}\n",
            "gpu.instance_type",
            "K80",
            "g4dn.xlarge"),
        arguments(
            "cluster_name: c\ngpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}\n",
            "gpu.instance_type",
            "m5 is not an NVIDIA GPU instance family",
            "g5.xlarge"),
        arguments(
            "cluster_name: c\nsystem: {min_nodes: 0}\n" + CPU,
            "system.min_nodes",
            "system.min_nodes must be 1 or more",
            "system.min_nodes: 1"),
        arguments(
            "cluster_name: c\nsystem: {min_nodes: 3, max_nodes: 2}\n" + CPU,
            "system.max_nodes",
            "below system.min_nodes",
            "at least min_nodes"),
        arguments(
            "cluster_name: c\nsystem: {spot: true}\n" + CPU,
            "system.spot",
            "system nodes never use spot",
            "remove spot"),
        arguments(
            "cluster_name: c\nkubernetes_version: '1.20'\n" + CPU,
            "kubernetes_version",
            "'1.20' is not offered by EKS; supported versions: 1.33, 1.34, 1.35, 1.36",
            "kubernetes_version: '1.36'"),
        arguments(
            "cluster_name: c\nkubernetes_version: 1.30\n" + CPU,
            "kubernetes_version",
            "the number 1.30, not a string",
            "quote it: kubernetes_version: '1.30'"),
        arguments(
            "cluster_name: c\nkubernetes_version: 1.35\n" + CPU,
            "kubernetes_version",
            "YAML reads an unquoted 1.30 as 1.3",
            "'1.35'"),
        arguments(
            "cluster_name: c\naws: {additional_policies: [AmazonS3ReadOnlyAccess]}\n" + CPU,
            "aws.additional_policies[0]",
            "is not an IAM policy ARN",
            "arn:aws:iam::aws:policy/"),
        arguments(
            "cluster_name: c\naws: {additional_policies: arn:aws:iam::aws:policy/X}\n" + CPU,
            "aws.additional_policies",
            "must be a list, not a string",
            "additional_policies: ["),
        arguments(
            "cluster_name: c\naws: {aws_access_key_id: AKIAEXAMPLE}\n" + CPU,
            "aws",
            "only one is set",
            "set both"),
        arguments(
            "cluster_name: c\ntags: {aws:owner: me}\n" + CPU,
            "tags.aws:owner",
            "reserved by AWS",
            "rename"),
        arguments(
            "cluster_name: c\ntags: {team: 42}\n" + CPU,
            "tags.team",
            "tag values must be strings, not a number",
            "quote it: team: '42'"),
        arguments(
            "cluster_name: c\ntags: {'a#b': x}\n" + CPU,
            "tags.a#b",
            "characters AWS does not allow",
            "letters"),
        arguments(
            "cluster_name: c\nidle_timeout_minutes: 0\n" + CPU,
            "idle_timeout_minutes",
            "between 1 and 525600",
            "idle_timeout_minutes: 60"),
        arguments(
            "cluster_name: c\nidle_timeout_minutes: 10\nidle_action: delete\n" + CPU,
            "idle_action",
            "must be one of scale_to_zero, destroy, not 'delete'",
            "idle_action: scale_to_zero"),
        arguments(
            "cluster_name: c\nidle_action: destroy\n" + CPU,
            "idle_action",
            "no effect without idle_timeout_minutes",
            "add idle_timeout_minutes"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("invalid")
  void parse_whenInvalid_reportsPathProblemAndFix(
      String yaml, String path, String problem, String fix) {
    Parsed<ClusterConfig> p = parse(yaml);
    assertThat(p.value()).isNull();
    assertThat(p.findings())
        .anySatisfy(
            f -> {
              assertThat(f.file()).isEqualTo("cluster.yml");
              assertThat(f.path()).isEqualTo(path);
              assertThat(f.problem()).contains(problem);
              assertThat(f.fix()).contains(fix);
            });
  }

  @Test
  void parse_reportsEveryProblemAtOnce() {
    Parsed<ClusterConfig> p =
        parse(
            "cluster_name: 'bad name'\nprovider: gcp\nkubernetes_version: 1.2\n"
                + "cpu: {instance_type: m5.large, min_node: 0, max_nodes: 0}\n");
    assertThat(p.findings())
        .extracting(Finding::path)
        .contains(
            "cluster_name",
            "provider",
            "kubernetes_version",
            "cpu.min_node",
            "cpu.min_nodes",
            "cpu.max_nodes");
  }

  @Test
  void defaults_areSigOpts() {
    ClusterConfig c = parse("cluster_name: c\n" + CPU).value();
    assertThat(c.provider()).isEqualTo(Provider.AWS);
    assertThat(c.system()).isEqualTo(new NodeGroup("t3.large", 1, 2, false, null));
    assertThat(c.kubernetesVersion()).isNull();
    assertThat(c.effectiveKubernetesVersion()).isEqualTo("1.36").isEqualTo(EksVersions.newest());
    assertThat(c.cpu().spot()).isFalse();
    assertThat(c.tags()).isEmpty();
    assertThat(c.idleTimeoutMinutes()).isNull();
    assertThat(c.idleAction()).isEqualTo(IdleAction.SCALE_TO_ZERO);
  }

  @Test
  void systemMaxDefault_followsAHigherMin() {
    ClusterConfig c = parse("cluster_name: c\nsystem: {min_nodes: 3}\n" + CPU).value();
    assertThat(c.system().minNodes()).isEqualTo(3);
    assertThat(c.system().maxNodes()).isEqualTo(3);
  }

  static Stream<Arguments> gpuFamilies() {
    return Stream.of(
        arguments("g4dn.xlarge", GpuFamilies.AL2023_X86_64_NVIDIA),
        arguments("g5.12xlarge", GpuFamilies.AL2023_X86_64_NVIDIA),
        arguments("g6e.xlarge", GpuFamilies.AL2023_X86_64_NVIDIA),
        arguments("p4d.24xlarge", GpuFamilies.AL2023_X86_64_NVIDIA),
        arguments("p5.48xlarge", GpuFamilies.AL2023_X86_64_NVIDIA),
        arguments("g5g.xlarge", GpuFamilies.AL2023_ARM_64_NVIDIA));
  }

  @ParameterizedTest
  @MethodSource("gpuFamilies")
  void gpuAmiType_comesFromTheFamily(String instanceType, String ami) {
    ClusterConfig c =
        parse(
                "cluster_name: c\ngpu: {instance_type: "
                    + instanceType
                    + ", min_nodes: 0, max_nodes: 1}\n")
            .value();
    assertThat(c.gpuAmiType()).isEqualTo(ami);
  }

  @Test
  void credentials_areKeptButNeverShown() {
    String yaml =
        "cluster_name: c\naws: {aws_access_key_id: AKIAEXAMPLEKEY, aws_secret_access_key:"
            + " TOPSECRETVALUE}\n"
            + CPU;
    ClusterConfig c = parse(yaml).value();
    assertThat(c.aws().accessKeyId()).isEqualTo("AKIAEXAMPLEKEY");
    assertThat(c.aws().secretAccessKey()).isEqualTo("TOPSECRETVALUE");
    assertThat(c.toString()).doesNotContain("AKIAEXAMPLEKEY").doesNotContain("TOPSECRETVALUE");
    String yamlOut = ConfigWriter.toYaml(c);
    String jsonOut = ConfigWriter.toJson(ConfigWriter.tree(c));
    assertThat(yamlOut + jsonOut)
        .doesNotContain("AKIAEXAMPLEKEY")
        .doesNotContain("TOPSECRETVALUE")
        .doesNotContain("aws_secret_access_key");
    assertThat(c.redacted().aws().hasCredentials()).isFalse();
  }

  @Test
  void credentialFindings_neverEchoTheValue() {
    Parsed<ClusterConfig> p =
        parse(
            "cluster_name: c\naws: {aws_access_key_id: 12345678901234, aws_secret_access_key:"
                + " [SECRETLIST]}\n"
                + CPU);
    assertThat(p.findings()).hasSize(2);
    assertThat(p.findings().toString()).doesNotContain("12345678901234").doesNotContain("SECRET");
  }

  @Test
  void tags_keepFileOrder() {
    ClusterConfig c = parse("cluster_name: c\ntags: {b: '1', a: '2'}\n" + CPU).value();
    assertThat(c.tags()).containsExactly(Map.entry("b", "1"), Map.entry("a", "2"));
    assertThat(List.copyOf(c.tags().keySet())).containsExactly("b", "a");
  }
}
