package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
  static final String SIGOPT = "../examples/sigopt/";

  @TempDir Path dir;

  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    CommandLine cl = Orchestra.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void validFiles_exitZeroAndPrintNothing() {
    Result r =
        run(
            "validate",
            SIGOPT + "experiment.yml",
            SIGOPT + "run.yml",
            SIGOPT + "cluster-with-s3-access.yml",
            "../examples/clusters/gpu.yml");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEmpty();
  }

  @Test
  void sigoptCluster_printsOneFindingLineAndExitsOne() {
    Result r = run("validate", SIGOPT + "cluster.yml", SIGOPT + "run.yml");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out().lines())
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .startsWith(
                        SIGOPT + "cluster.yml: kubernetes_version: kubernetes_version '1.20'")
                    .contains("supported versions: 1.33, 1.34, 1.35, 1.36")
                    .contains(" — fix: write kubernetes_version: '1.36'"));
    assertThat(r.err()).isEmpty();
  }

  @Test
  void json_whenValid_printsAnEmptyArray() throws IOException {
    Result r = run("validate", "--json", SIGOPT + "experiment.yml");
    assertThat(r.exit()).isZero();
    assertThat(new ObjectMapper().readTree(r.out()).isArray()).isTrue();
    assertThat(r.out().trim()).isEqualTo("[]");
  }

  @Test
  void json_whenInvalid_printsEveryFindingWithItsFields() throws IOException {
    Path bad = dir.resolve("experiment.yml");
    Files.writeString(
        bad, "name: x\nmetrics: [a]\nparameters: [{name: p, type: double}]\nbudjet: 3\n");
    Result r = run("validate", "--json", "--kind", "experiment", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    JsonNode findings = new ObjectMapper().readTree(r.out());
    assertThat(findings).hasSize(3);
    assertThat(findings.findValuesAsText("path"))
        .containsExactlyInAnyOrder("budjet", "parameters[0].bounds", "budget");
    for (JsonNode f : findings) {
      assertThat(f.get("file").asText()).isEqualTo(bad.toString());
      assertThat(f.fieldNames()).toIterable().containsExactly("file", "path", "problem", "fix");
    }
    assertThat(findings.get(0).get("fix").asText()).isEqualTo("did you mean budget?");
  }

  @Test
  void kind_overridesInference() throws IOException {
    Path f = dir.resolve("run.yml");
    Files.writeString(f, "run: python x.py\n");
    assertThat(run("validate", f.toString()).exit()).isZero();
    Result r = run("validate", "--kind", "cluster", f.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains(": run: unknown field 'run'").contains("cluster_name is required");
  }

  @Test
  void kindPool_validatesPoolFiles() throws IOException {
    Result ok = run("validate", "--kind", "pool", "../examples/pools/gpu-spot.yml");
    assertThat(ok.exit()).isEqualTo(0);
    assertThat(ok.out()).isEmpty();
    Path f = dir.resolve("pool.yml");
    Files.writeString(
        f,
        "pool_name: p\ninstance_types: [g5.xlarge]\nmax_instances: 2\nami_discovery: {name: x-*}\n");
    Result r = run("validate", f.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("ami_discovery.owner: ami_discovery.owner is required");
  }

  @Test
  void unknownKind_inContent_saysToPassKind() throws IOException {
    Path f = dir.resolve("mystery.yml");
    Files.writeString(f, "hello: world\n");
    Result r = run("validate", f.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .contains("pass --kind cluster, --kind run, --kind experiment or --kind pool");
  }

  @Test
  void missingFile_isAFindingAndExitOne() {
    Result r = run("validate", dir.resolve("nope.yml").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("nope.yml: the file does not exist — fix: check the path");
  }

  @Test
  void folder_notUtf8_andOversized_areFindings() throws IOException {
    Path latin1 = dir.resolve("latin1.yml");
    Files.write(latin1, new byte[] {'n', 'a', 'm', 'e', ':', ' ', (byte) 0xE9, '\n'});
    Path big = dir.resolve("big.yml");
    Files.writeString(big, "a: '" + "x".repeat(1024 * 1024) + "'\n");
    Result r = run("validate", dir.toString(), latin1.toString(), big.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out().lines()).hasSize(3);
    assertThat(r.out())
        .contains("this is a folder, not a file")
        .contains("the file is not UTF-8 text")
        .contains("above the limit of 1048576 bytes");
  }

  @Test
  void badKind_isAUsageError() {
    Result r = run("validate", "--kind", "pools", SIGOPT + "run.yml");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'pools' is not a kind; use cluster, run, experiment or pool");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void noFiles_isAUsageError() {
    Result r = run("validate");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required parameter");
  }

  @Test
  void help_showsExamples() {
    Result r = run("validate", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("Examples:").contains("orchestra validate --json");
  }
}
