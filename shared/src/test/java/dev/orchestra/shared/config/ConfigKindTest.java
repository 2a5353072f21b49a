package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigKindTest {

  static Stream<Arguments> contents() {
    return Stream.of(
        arguments("cluster_name: c\n", ConfigKind.CLUSTER),
        arguments("cpu: {}\n", ConfigKind.CLUSTER),
        arguments("metrics: []\n", ConfigKind.EXPERIMENT),
        arguments("parameters: []\nrun: {run: x}\n", ConfigKind.EXPERIMENT),
        arguments("run: python x.py\n", ConfigKind.RUN),
        arguments("image: x\nresources: {}\n", ConfigKind.RUN),
        arguments("budget: 3\n", ConfigKind.EXPERIMENT),
        arguments("pool_name: p\n", ConfigKind.POOL),
        arguments("instance_types: [g5.xlarge]\nmax_instances: 2\n", ConfigKind.POOL),
        arguments("hello: world\n", null));
  }

  @ParameterizedTest
  @MethodSource("contents")
  void infer_readsTheKindFromTheFields(String yaml, ConfigKind kind) {
    assertThat(ConfigKind.infer(YamlLoader.load("f", yaml).root())).isEqualTo(kind);
  }

  @Test
  void parse_whenKindUnknown_saysToPassKind() {
    Parsed<?> p = ConfigParser.parse(null, "x.yml", "hello: world\n");
    assertThat(p.findings())
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.fix())
                    .contains("--kind cluster, --kind run, --kind experiment or --kind pool"));
  }

  @Test
  void parse_withKind_overridesInference() {
    Parsed<?> p = ConfigParser.parse(ConfigKind.CLUSTER, "x.yml", "run: python x.py\n");
    assertThat(p.findings()).extracting(Finding::path).contains("run", "cluster_name");
  }

  @Test
  void fromName_acceptsTheFourNames() {
    assertThat(ConfigKind.fromName("cluster")).isEqualTo(ConfigKind.CLUSTER);
    assertThat(ConfigKind.fromName("RUN")).isEqualTo(ConfigKind.RUN);
    assertThat(ConfigKind.fromName("experiment")).isEqualTo(ConfigKind.EXPERIMENT);
    assertThat(ConfigKind.fromName("pool")).isEqualTo(ConfigKind.POOL);
    assertThat(ConfigKind.fromName("pools")).isNull();
  }
}
