package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RunConfigTest {

  static Parsed<RunConfig> parse(String yaml) {
    return ConfigParser.parseRun("run.yml", yaml);
  }

  /** Every quantity form run.yml allows, as written → its amount. */
  static Stream<Arguments> quantities() {
    return Stream.of(
        arguments("cpu", "1", "1"),
        arguments("cpu", "1.5", "1.5"),
        arguments("cpu", "0.5", "0.5"),
        arguments("cpu", "1500m", "1.5"),
        arguments("cpu", "'2'", "2"),
        arguments("cpu", "'250m'", "0.25"),
        arguments("memory", "1e9", "1000000000"),
        arguments("memory", "'1e9'", "1000000000"),
        arguments("memory", "1E3", "1000"),
        arguments("memory", "1Gi", "1073741824"),
        arguments("memory", "512Mi", "536870912"),
        arguments("memory", "500M", "500000000"),
        arguments("memory", "1Ki", "1024"),
        arguments("memory", "100k", "100000"),
        arguments("memory", "2G", "2000000000"),
        arguments("memory", "1Ti", "1099511627776"),
        arguments("memory", "134217728", "134217728"),
        arguments("ephemeral-storage", "10Gi", "10737418240"),
        arguments("ephemeral-storage", "1.5Gi", "1610612736"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("quantities")
  void quantity_whenKubernetesForm_parsesItsAmount(String field, String written, String amount) {
    RunConfig r =
        parse("run: python m.py\nresources:\n  requests:\n    " + field + ": " + written + "\n")
            .value();
    assertThat(r).isNotNull();
    var q =
        switch (field) {
          case "cpu" -> r.resources().requests().cpu();
          case "memory" -> r.resources().requests().memory();
          default -> r.resources().requests().ephemeralStorage();
        };
    assertThat(q.getNumericalAmount()).isEqualByComparingTo(new BigDecimal(amount));
  }

  static Stream<Arguments> badQuantities() {
    return Stream.of(
        arguments("cpu", "0", "must be above 0"),
        arguments("cpu", "-1", "must be above 0"),
        arguments("cpu", "'0m'", "must be above 0"),
        arguments("cpu", "abc", "'abc' is not a Kubernetes quantity"),
        arguments("memory", "1Zi", "'1Zi' is not a Kubernetes quantity"),
        arguments("memory", "1e", "'1e' is not a Kubernetes quantity"),
        arguments("memory", "1.5.5", "is not a Kubernetes quantity"),
        arguments("memory", "1 Gi", "is not a Kubernetes quantity"),
        arguments("memory", "1e999999", "is not a Kubernetes quantity"),
        arguments("memory", "true", "true is not a Kubernetes quantity"),
        arguments("memory", "[1Gi]", "a list is not a Kubernetes quantity"),
        arguments("memory", ".inf", "is not a Kubernetes quantity"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("badQuantities")
  void quantity_whenNotPositiveKubernetesForm_isAFinding(
      String field, String written, String problem) {
    Parsed<RunConfig> p =
        parse("run: x\nresources:\n  limits:\n    " + field + ": " + written + "\n");
    assertThat(p.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.path()).isEqualTo("resources.limits." + field);
              assertThat(f.problem()).contains(problem);
              assertThat(f.fix()).startsWith("write e.g.");
            });
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments("name: x\n", "run", "run is required", "run: python model.py"),
        arguments("run: ''\n", "run", "run is blank", "python model.py"),
        arguments("run: []\n", "run", "run is an empty list", "[python, model.py]"),
        arguments(
            "run: [python, 3]\n", "run[1]", "must be a string, not a number", "quote it: '3'"),
        arguments(
            "run: {cmd: x}\n", "run", "a command string or a list of arguments", "run: python"),
        arguments(
            "run: x\nimage: 'My Image'\n",
            "image",
            "is not a container image reference",
            "image: my-run"),
        arguments("run: x\nimag: my-run\n", "imag", "unknown field 'imag'", "did you mean image?"),
        arguments(
            "run: x\nresources: {request: {cpu: 1}}\n",
            "resources.request",
            "unknown field",
            "did you mean requests?"),
        arguments(
            "run: x\nresources: {requests: {cpus: 1}}\n",
            "resources.requests.cpus",
            "unknown field",
            "did you mean cpu?"),
        arguments(
            "run: x\nresources: {requests: {cpu: 4}, limits: {cpu: 2}}\n",
            "resources.requests.cpu",
            "the cpu request (4) is above its limit (2)",
            "lower resources.requests.cpu"),
        arguments(
            "run: x\nresources: {requests: {memory: 2Gi}, limits: {memory: 1500Mi}}\n",
            "resources.requests.memory",
            "above its limit",
            "raise resources.limits.memory"),
        arguments(
            "run: x\nresources: {requests: {ephemeral-storage: 2Gi}, limits: {ephemeral-storage: 1G}}\n",
            "resources.requests.ephemeral-storage",
            "above its limit",
            "ephemeral-storage"),
        arguments(
            "run: x\nresources: {gpus: 1.5}\n",
            "resources.gpus",
            "whole number of GPUs",
            "a run cannot use part of a GPU"),
        arguments(
            "run: x\nresources: {gpus: -1}\n",
            "resources.gpus",
            "0 or more, not a number (-1)",
            "gpus: 1"),
        arguments(
            "run: x\nresources: {gpus: '1'}\n", "resources.gpus", "not a string ('1')", "gpus: 1"),
        arguments(
            "run: x\nresources: {gpus: 100}\n",
            "resources.gpus",
            "more than any instance has",
            "gpus: 1"),
        arguments(
            "run: x\naws: {aws_access_key_id: AKIA}\n",
            "aws.aws_secret_access_key",
            "is required",
            "add"),
        arguments(
            "run: x\nresources: 2\n",
            "resources",
            "resources must be a mapping, not a number",
            "requests"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("invalid")
  void parse_whenInvalid_reportsPathProblemAndFix(
      String yaml, String path, String problem, String fix) {
    Parsed<RunConfig> p = parse(yaml);
    assertThat(p.value()).isNull();
    assertThat(p.findings())
        .anySatisfy(
            f -> {
              assertThat(f.file()).isEqualTo("run.yml");
              assertThat(f.path()).isEqualTo(path);
              assertThat(f.problem()).contains(problem);
              assertThat(f.fix()).contains(fix);
            });
  }

  @Test
  void requestEqualToLimit_isValid() {
    assertThat(parse("run: x\nresources: {requests: {cpu: 1000m}, limits: {cpu: 1}}\n").ok())
        .isTrue();
  }

  @Test
  void run_asString_runsUnderShell() {
    RunCommand c = parse("run: python model.py --lr 0.1\n").value().run();
    assertThat(c.argv()).containsExactly("sh", "-c", "python model.py --lr 0.1");
    assertThat(c.shellCommand()).isEqualTo("python model.py --lr 0.1");
  }

  @Test
  void run_asList_isQuotedSafelyForTheShell() {
    RunCommand c =
        parse("run: [python, 'my model.py', --name, \"it's $HOME\", '', a;b]\n").value().run();
    assertThat(c.argv())
        .containsExactly("python", "my model.py", "--name", "it's $HOME", "", "a;b");
    assertThat(c.shellCommand()).isEqualTo("python 'my model.py' --name 'it'\\''s $HOME' '' 'a;b'");
  }

  static Stream<Arguments> images() {
    return Stream.of(
        arguments("my-run", "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-run:latest"),
        arguments("trainer_v2", "123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer_v2:latest"),
        arguments("python:3.12", "python:3.12"),
        arguments("team/model", "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/model:latest"),
        arguments("ghcr.io/org/img:1.0", "ghcr.io/org/img:1.0"),
        arguments(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:v1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:v1"));
  }

  @ParameterizedTest
  @MethodSource("images")
  void image_bareNameIsTheAccountsEcrRepository(String image, String resolved) {
    assertThat(parse("run: x\nimage: '" + image + "'\n").ok()).isTrue();
    assertThat(dev.orchestra.shared.run.ImageReferences.resolve(image, "123456789012", "us-east-1"))
        .isEqualTo(resolved);
  }

  @Test
  void credentials_areRedactedAndNeverShown() {
    RunConfig r =
        parse("run: x\naws: {aws_access_key_id: AKIARUNKEY, aws_secret_access_key: RUNSECRET}\n")
            .value();
    assertThat(r.aws().accessKeyId()).isEqualTo("AKIARUNKEY");
    assertThat(r.aws().secretAccessKey()).isEqualTo("RUNSECRET");
    assertThat(r.toString()).doesNotContain("AKIARUNKEY").doesNotContain("RUNSECRET");
    assertThat(ConfigWriter.toYaml(r) + ConfigWriter.toJson(ConfigWriter.tree(r)))
        .doesNotContain("AKIARUNKEY")
        .doesNotContain("RUNSECRET");
    assertThat(r.redacted().aws()).isNull();
    assertThat(r.redacted().run()).isEqualTo(r.run());
  }

  @Test
  void credentialFindings_neverEchoTheValue() {
    Parsed<RunConfig> p =
        parse("run: x\naws: {aws_access_key_id: 98765432109876, aws_secret_access_key: ''}\n");
    assertThat(p.findings()).hasSize(2);
    assertThat(p.findings().toString()).doesNotContain("98765432109876");
  }

  @Test
  void gpus_defaultToZero_andWholeFloatsCount() {
    assertThat(parse("run: x\n").value().resources().gpus()).isZero();
    assertThat(parse("run: x\nresources: {gpus: 2.0}\n").value().resources().gpus()).isEqualTo(2);
    assertThat(parse("run: x\nresources: {gpus: 0}\n").value().resources().gpus()).isZero();
  }

  @Test
  void allFindings_areReportedTogether() {
    Parsed<RunConfig> p =
        parse("imag: x\nresources: {gpus: 0.5, requests: {cpu: abc}, limits: {memory: 0}}\n");
    assertThat(p.findings())
        .extracting(Finding::path)
        .containsExactlyInAnyOrder(
            "imag", "run", "resources.gpus", "resources.requests.cpu", "resources.limits.memory");
    assertThat(List.copyOf(p.findings())).allSatisfy(f -> assertThat(f.fix()).isNotBlank());
  }
}
