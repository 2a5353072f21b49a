package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PoolConfigTest {

  static final String BASE =
      "pool_name: gpu\ninstance_types: [g5.xlarge]\nmax_instances: 2\nami: ami-0123456789abcdef0\n";

  static Parsed<PoolConfig> parse(String yaml) {
    return ConfigParser.parsePool("pool.yml", yaml);
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        arguments("minimal", BASE),
        arguments(
            "fallback order, spot with on-demand fallback",
            BASE.replace("[g5.xlarge]", "[g5.xlarge, g6.xlarge, g4dn.xlarge]")
                + "spot: true\non_demand_fallback: true\n"),
        arguments("short ami id", BASE.replace("ami-0123456789abcdef0", "ami-0123abcd")),
        arguments(
            "discovery instead of ami",
            BASE.replace(
                "ami: ami-0123456789abcdef0\n",
                "ami_discovery: {owner: '012345678901', name: 'agent (gpu) 2026.*',"
                    + " architecture: arm64}\n")),
        arguments(
            "network",
            BASE
                + "subnets: [subnet-0123abcd, subnet-0123456789abcdef0]\n"
                + "security_group: sg-0123456789abcdef0\n"),
        arguments("volume", BASE + "volume_type: io2\nvolume_size: 8\n"),
        arguments("idle bounds", BASE + "idle_timeout_minutes: 1440\n"),
        arguments("setup", BASE + "setup_cmds: [nvidia-smi, 'docker info | head']\n"),
        arguments("name at 40 chars", BASE.replace("gpu\n", "a".repeat(40) + "\n")),
        arguments("max at 256", BASE.replace("max_instances: 2", "max_instances: 256")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parse_whenValid_returnsModel(String name, String yaml) {
    Parsed<PoolConfig> p = parse(yaml);
    assertThat(p.findings()).isEmpty();
    assertThat(p.value()).isNotNull();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments(BASE.replace("pool_name: gpu\n", ""), "pool_name", "is required", "add"),
        arguments(
            BASE.replace("pool_name: gpu", "pool_nam: gpu"),
            "pool_nam",
            "unknown field",
            "did you mean pool_name?"),
        arguments(
            BASE.replace("gpu\n", "'GPU Pool'\n"),
            "pool_name",
            "not a valid pool name",
            "pool_name: gpu-pool"),
        arguments(BASE.replace("gpu\n", "gpu-\n"), "pool_name", "not at the end", "gpu"),
        arguments(
            BASE.replace("gpu\n", "a".repeat(41) + "\n"),
            "pool_name",
            "41 characters, above the limit of 40",
            "40"),
        arguments(
            BASE.replace("instance_types: [g5.xlarge]\n", ""),
            "instance_types",
            "instance_types is required",
            "tried in this order"),
        arguments(
            BASE.replace("[g5.xlarge]", "[]"),
            "instance_types",
            "instance_types is empty",
            "at least one"),
        arguments(
            BASE.replace("[g5.xlarge]", "g5.xlarge"),
            "instance_types",
            "must be a list, not a string",
            "instance_types: ["),
        arguments(
            BASE.replace("[g5.xlarge]", "[g5.xlarge, xlarge]"),
            "instance_types[1]",
            "'xlarge' is not an EC2 instance type",
            "g5.xlarge"),
        arguments(
            BASE.replace("[g5.xlarge]", "[g5.xlarge, g5.xlarge]"),
            "instance_types[1]",
            "listed twice",
            "order"),
        arguments(
            BASE.replace("[g5.xlarge]", "[" + "m5.large, ".repeat(10) + "m5.xlarge]"),
            "instance_types",
            "lists 11 types; at most 10",
            "in order"),
        arguments(
            BASE + "on_demand_fallback: true\n",
            "on_demand_fallback",
            "has no effect without spot: true",
            "add spot: true"),
        arguments(BASE + "spot: yes please\n", "spot", "must be true or false", "spot: true"),
        arguments(
            BASE.replace("max_instances: 2\n", ""),
            "max_instances",
            "max_instances is required",
            "max_instances: 4"),
        arguments(
            BASE.replace("max_instances: 2", "max_instances: 0"),
            "max_instances",
            "between 1 and 256, not 0",
            "max_instances: 4"),
        arguments(
            BASE.replace("max_instances: 2", "max_instances: '2'"),
            "max_instances",
            "must be a whole number, not a string",
            "max_instances"),
        arguments(
            BASE + "idle_timeout_minutes: 0\n",
            "idle_timeout_minutes",
            "between 1 and 1440 (a day), not 0",
            "leave it out for 10"),
        arguments(
            BASE.replace("ami: ami-0123456789abcdef0\n", ""),
            "ami",
            "ami is required (or ami_discovery)",
            "ami_discovery: {owner:"),
        arguments(
            BASE.replace("ami-0123456789abcdef0", "ubuntu-22.04"),
            "ami",
            "'ubuntu-22.04' is not an AMI id",
            "or use ami_discovery"),
        arguments(
            BASE + "ami_discovery: {owner: '012345678901', name: 'x-*'}\n",
            "ami_discovery",
            "both ami and ami_discovery are set",
            "remove the other"),
        arguments(
            BASE.replace("ami: ami-0123456789abcdef0\n", "ami_discovery: {name: 'agent-*'}\n"),
            "ami_discovery.owner",
            "owner is required: Orchestra picks images only from one owner account",
            "12-digit account"),
        arguments(
            BASE.replace(
                "ami: ami-0123456789abcdef0\n",
                "ami_discovery: {owner: amazon, name: 'agent-*'}\n"),
            "ami_discovery.owner",
            "'amazon' is not a 12-digit account id",
            "publisher's account id"),
        arguments(
            BASE.replace(
                "ami: ami-0123456789abcdef0\n",
                "ami_discovery: {owner: 123456789012, name: 'agent-*'}\n"),
            "ami_discovery.owner",
            "owner is a number",
            "quote it: owner: '123456789012'"),
        arguments(
            BASE.replace(
                "ami: ami-0123456789abcdef0\n",
                "ami_discovery: {owner: '012345678901', tag: {role: agent}, name: 'a-*'}\n"),
            "ami_discovery.tag",
            "never picked by tag",
            "remove tag"),
        arguments(
            BASE.replace(
                "ami: ami-0123456789abcdef0\n",
                "ami_discovery: {owner: '012345678901', name: '*'}\n"),
            "ami_discovery.name",
            "name '*'",
            "name the image family"),
        arguments(
            BASE.replace(
                "ami: ami-0123456789abcdef0\n", "ami_discovery: {owner: '012345678901'}\n"),
            "ami_discovery.name",
            "name is required",
            "add name:"),
        arguments(
            BASE.replace(
                "ami: ami-0123456789abcdef0\n",
                "ami_discovery: {owner: '012345678901', name: 'a-*', architecture: x86}\n"),
            "ami_discovery.architecture",
            "must be one of x86_64, arm64",
            "x86_64"),
        arguments(
            BASE + "volume_type: st1\n",
            "volume_type",
            "cannot hold the root volume",
            "volume_type: gp3"),
        arguments(
            BASE + "volume_type: gp4\n",
            "volume_type",
            "must be one of gp3, gp2, io1, io2, not 'gp4'",
            "did you mean"),
        arguments(
            BASE + "volume_size: 4\n", "volume_size", "between 8 and 16384 GiB, not 4", "100"),
        arguments(
            BASE + "subnets: [subnet-0123abcd, vpc-0123abcd]\n",
            "subnets[1]",
            "'vpc-0123abcd' is not a subnet id",
            "subnet-"),
        arguments(
            BASE + "security_group: default\n",
            "security_group",
            "'default' is not a security group id",
            "an id, not a group name"),
        arguments(BASE + "setup_cmds: ['']\n", "setup_cmds[0]", "is blank", ""),
        arguments(
            BASE + "setup_cmds: ['" + "x".repeat(8200) + "']\n",
            "setup_cmds",
            "EC2 user data holds 16 KB",
            "baked into the AMI"),
        arguments(BASE + "tags: {team: ml}\n", "tags", "pool.yml takes no tags", "remove tags"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("invalid")
  void parse_whenInvalid_namesFieldProblemAndFix(
      String yaml, String path, String problem, String fix) {
    Parsed<PoolConfig> p = parse(yaml);
    assertThat(p.value()).isNull();
    assertThat(p.findings())
        .as("findings for %s", yaml)
        .anySatisfy(
            f -> {
              assertThat(f.file()).isEqualTo("pool.yml");
              assertThat(f.path()).isEqualTo(path);
              assertThat(f.problem()).contains(problem);
              assertThat(f.fix()).contains(fix);
            });
  }

  @Test
  void parse_reportsEveryProblemAtOnce() {
    Parsed<PoolConfig> p =
        parse("pool_name: Bad_Name\ninstance_types: [x]\nmax_instances: -1\nvolume_size: 1\n");
    assertThat(p.findings())
        .extracting(Finding::path)
        .contains("pool_name", "instance_types[0]", "max_instances", "ami", "volume_size");
  }

  @Test
  void parse_fillsDefaultsAndKeepsTheTypeOrder() {
    PoolConfig c =
        parse(BASE.replace("[g5.xlarge]", "[g6.xlarge, g5.xlarge, g4dn.xlarge]")).value();
    assertThat(c.instanceTypes()).containsExactly("g6.xlarge", "g5.xlarge", "g4dn.xlarge");
    assertThat(c.spot()).isFalse();
    assertThat(c.onDemandFallback()).isFalse();
    assertThat(c.idleTimeoutMinutes()).isEqualTo(PoolConfig.DEFAULT_IDLE_TIMEOUT_MINUTES);
    assertThat(c.volumeType()).isEqualTo("gp3");
    assertThat(c.volumeSizeGib()).isEqualTo(100);
    assertThat(c.subnets()).isEmpty();
    assertThat(c.securityGroup()).isNull();
    assertThat(c.amiDiscovery()).isNull();
    assertThat(PoolConfig.OWNERSHIP_TAG).isEqualTo("orchestra:pool");
  }

  @Test
  void example_isValidWithItsKindInferred() throws Exception {
    String text = Files.readString(Path.of("..", "examples", "pools", "gpu-spot.yml"));
    Parsed<?> p = ConfigParser.parse(null, "gpu-spot.yml", text);
    assertThat(p.findings()).isEmpty();
    PoolConfig c = (PoolConfig) p.value();
    assertThat(c.instanceTypes()).containsExactly("g5.xlarge", "g6.xlarge", "g4dn.xlarge");
    assertThat(c.spot()).isTrue();
    assertThat(c.onDemandFallback()).isTrue();
    assertThat(c.amiDiscovery().owner()).isEqualTo("123456789012");
    assertThat(c.amiDiscovery().architecture()).isEqualTo("x86_64");
    assertThat(c.setupCmds()).isEqualTo(List.of("nvidia-smi"));
  }
}
