package dev.orchestra.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.cli.Orchestra;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orchestra cluster ...} end to end on a background local runtime it starts itself. */
class ClusterCommandTest {
  static final Path GPU =
      Path.of("..", "examples", "clusters", "gpu.yml").toAbsolutePath().normalize();
  static final String BOB = "arn:aws:iam::123456789012:user/bob";
  @TempDir static Path home;

  @BeforeAll
  static void useTempHome() {
    System.setProperty("orchestra.state.home", home.toString());
  }

  @AfterAll
  static void cleanUp() {
    run("local", "down");
    System.clearProperty("orchestra.state.home");
  }

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    CommandLine cl = Orchestra.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void createStatusShareConnectTestDestroy() throws Exception {
    Result created = run("cluster", "create", "-f", GPU.toString());
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.err()).contains("CreateNodegroups").contains("done in");

    Result status = run("cluster", "status", "gpu-cluster", "--json");
    JsonNode doc = new ObjectMapper().readTree(status.out());
    assertThat(doc.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(doc.get("nodeGroups")).hasSize(3);

    Result shared = run("cluster", "share", "gpu-cluster", "--principal", BOB);
    assertThat(shared.code()).isZero();
    assertThat(run("cluster", "share", "gpu-cluster", "--principal", BOB).out())
        .isEqualTo(shared.out());
    assertThat(run("cluster", "unshare", "gpu-cluster", "--principal", BOB).out())
        .doesNotContain(BOB);

    Path kubeconfig = home.resolve("kubeconfig");
    Result connected =
        run("cluster", "connect", "gpu-cluster", "--kubeconfig", kubeconfig.toString());
    assertThat(connected.code()).as(connected.err()).isZero();
    assertThat(Files.readString(kubeconfig))
        .contains("current-context: \"orchestra-gpu-cluster\"")
        .contains("role/orchestra/gpu-cluster-k8s-access-role")
        .contains("get-token");
    assertThat(DefaultTarget.read()).contains("gpu-cluster");

    Result tested = run("cluster", "test", "gpu-cluster");
    assertThat(tested.code()).as(tested.err()).isZero();
    assertThat(tested.out()).contains("answered");

    assertThat(run("cluster", "status", "nope").code()).isEqualTo(2);

    Result destroyed = run("cluster", "destroy", "gpu-cluster");
    assertThat(destroyed.code()).as(destroyed.err()).isZero();
    assertThat(run("cluster", "list").out()).contains("no clusters");
    assertThat(DefaultTarget.read()).isEmpty();
  }

  @Test
  void throughTheApi_createStatusShareTestDestroy() throws Exception {
    Result up = run("local", "up", "--json");
    assertThat(up.code()).as(up.err()).isZero();
    String api = new ObjectMapper().readTree(up.out()).get("api_endpoint").asText();
    Path yml = home.resolve("api-cluster.yml");
    Files.writeString(
        yml,
        Files.readString(GPU).replace("cluster_name: gpu-cluster", "cluster_name: api-cluster"));

    Result created = run("cluster", "create", "-f", yml.toString(), "--endpoint", api);
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.err()).contains("started arn:").contains("done in");

    Result status = run("cluster", "status", "api-cluster", "--json", "--endpoint", api);
    JsonNode doc = new ObjectMapper().readTree(status.out());
    assertThat(doc.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(doc.get("node_groups")).hasSize(3);
    assertThat(run("cluster", "list", "--endpoint", api).out())
        .containsPattern("api-cluster +ACTIVE");

    Result shared = run("cluster", "share", "api-cluster", "--principal", BOB, "--endpoint", api);
    assertThat(shared.code()).as(shared.err()).isZero();
    assertThat(shared.out()).contains(BOB);
    assertThat(
            run("cluster", "unshare", "api-cluster", "--principal", BOB, "--endpoint", api).out())
        .doesNotContain(BOB);

    Result tested = run("cluster", "test", "api-cluster", "--endpoint", api);
    assertThat(tested.code()).as(tested.err()).isZero();
    assertThat(tested.out()).contains("answered");

    Result unknown = run("cluster", "status", "nope", "--endpoint", api);
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("error: ").doesNotContain("Exception");

    Result destroyed = run("cluster", "destroy", "api-cluster", "--endpoint", api);
    assertThat(destroyed.code()).as(destroyed.err()).isZero();
    assertThat(destroyed.err()).contains("done in");
    assertThat(run("cluster", "list", "--endpoint", api).out()).doesNotContain("api-cluster");
  }
}
