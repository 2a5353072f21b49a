package dev.orchestra.cdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.orchestra.cdk.Definitions.Definition;
import dev.orchestra.functions.FunctionCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/**
 * The checks AWS's own tools apply: cdk-nag's AwsSolutions pack, cfn-lint on every synthesized
 * template, and asl-validator on every substituted state machine definition. Under {@code CI=true}
 * a missing tool fails the test instead of skipping it.
 */
class ChecksTest {
  private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));
  private static SynthesizedApp app;

  @BeforeAll
  static void synth() {
    app = SynthesizedApp.get();
  }

  @Test
  void cdkNagAwsSolutionsHasNoUnsuppressedErrorsAndEverySuppressionHasAReason() throws IOException {
    for (Stack stack : List.of(app.stacks.data(), app.stacks.workflows(), app.stacks.api())) {
      var errors =
          Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
      assertThat(errors).as("cdk-nag errors in " + stack.getStackName()).isEmpty();
      var warnings =
          Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
      assertThat(warnings).as("cdk-nag warnings in " + stack.getStackName()).isEmpty();
      Path report = app.outdir.resolve("AwsSolutions-" + stack.getStackName() + "-NagReport.csv");
      List<String> rows = Files.readAllLines(report, StandardCharsets.UTF_8);
      assertThat(rows).hasSizeGreaterThan(10);
      for (String row : rows.subList(1, rows.size())) {
        assertThat(row).doesNotContain("\"Non-Compliant\"");
        if (row.contains("\"Suppressed\"")) {
          String[] cells = row.split("\",\"");
          assertThat(cells[3].replaceAll("\\[[^]]*]", "").trim())
              .as("reason of " + row)
              .hasSizeGreaterThan(20);
        }
      }
    }
  }

  @Test
  void cfnLintFindsNoErrorsInAnyTemplate() throws Exception {
    List<Path> templates;
    try (var s = Files.list(app.outdir)) {
      templates = s.filter(p -> p.toString().endsWith(".template.json")).sorted().toList();
    }
    assertThat(templates).hasSize(3);
    List<String> command = new ArrayList<>(List.of(tool("cfn-lint"), "--format", "parseable"));
    templates.forEach(t -> command.add(t.toString()));
    Result r = run(command, app.root);
    if (r == null) {
      return;
    }
    // cfn-lint's exit code is a bit mask: 2 = errors (1 = fatal); warnings alone are allowed.
    assertThat(r.code & 3).as("cfn-lint errors:\n" + r.output).isZero();
  }

  @Test
  void aslValidatorAcceptsEverySubstitutedDefinition() throws Exception {
    Path validator = app.root.resolve("node_modules/.bin/asl-validator");
    if (!Files.isExecutable(validator) && run(List.of(tool("npm"), "ci"), app.root) == null) {
      return;
    }
    Map<String, String> arns = new HashMap<>();
    FunctionCatalog.ARN_PLACEHOLDERS.forEach(
        (p, fn) -> arns.put(p, "arn:aws:lambda:us-east-1:123456789012:function:" + fn + ":live"));
    Path dir = Files.createTempDirectory("orchestra-asl");
    List<String> command = new ArrayList<>(List.of(validator.toString()));
    for (Definition d : Definitions.load(app.root.resolve("statemachines"))) {
      String body = Definitions.substitute(d, arns);
      assertThat(body).doesNotContain("${");
      Path file = dir.resolve(d.name() + ".json");
      Files.writeString(file, body);
      command.add("--json-path");
      command.add(file.toString());
    }
    Result r = run(command, app.root);
    assertThat(r).isNotNull();
    assertThat(r.code).as("asl-validator:\n" + r.output).isZero();
  }

  @Test
  void aPlaceholderWithoutAValueIsNamed() {
    Definition d = new Definition("x", "{\"a\": \"${Nope}\", \"b\": \"${AlsoNot}\"}");
    try {
      Definitions.substitute(d, Map.of());
      fail("substituted a placeholder without a value");
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("statemachines/x.asl.json", "[AlsoNot, Nope]");
    }
  }

  private record Result(int code, String output) {}

  /** Runs a tool; null (skip) when it is missing outside CI, a failure under CI. */
  private static Result run(List<String> command, Path dir) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException missing) {
      if (CI) {
        fail(command.get(0) + " is not installed; .ci/run must provide it: " + missing);
      }
      System.err.println("skipping: " + command.get(0) + " is not installed");
      return null;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(command.get(0) + " did not finish in 120 s");
    }
    return new Result(p.exitValue(), out);
  }

  private static String tool(String name) {
    return name;
  }
}
