package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orchestra optimize} end to end on a background local runtime it starts itself. */
class OptimizeCommandTest {
  static final Path BRANIN =
      Path.of("..", "examples", "branin", "experiment.yml").toAbsolutePath().normalize();
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
  void branin_json_isOneDocumentWithBestAndEveryRun() throws Exception {
    Result r = run("optimize", "-e", BRANIN.toString(), "--json");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("done 12/12");
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.get("experiment").asText()).startsWith("branin-");
    assertThat(doc.get("name").asText()).isEqualTo("Branin");
    assertThat(doc.get("status").asText()).isEqualTo("succeeded");
    assertThat(doc.get("best")).hasSize(1);
    assertThat(doc.get("best").get(0).get("assignments").has("x1")).isTrue();
    assertThat(doc.get("best").get(0).get("metrics").has("value")).isTrue();
    assertThat(doc.get("runs")).hasSize(12);
    for (JsonNode run : doc.get("runs")) {
      assertThat(run.get("status").asText()).isEqualTo("succeeded");
      assertThat(run.get("attempt").asInt()).isEqualTo(1);
      assertThat(run.get("metrics").get("value").isNumber()).isTrue();
      assertThat(run.has("reason")).isTrue();
    }
  }

  @Test
  void invalidExperiment_printsFindings_andExits2(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("experiment.yml");
    Files.writeString(bad, "name: bad\nbudget: 0\n");
    Files.writeString(dir.resolve("run.yml"), "run: 'true'\n");

    Result r = run("optimize", "-e", bad.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("experiment.yml").contains("fix:");
  }

  @Test
  void endpoint_thatDoesNotAnswer_namesItAndExits3() throws Exception {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }

    Result r =
        run("optimize", "-e", BRANIN.toString(), "--endpoint", "http://127.0.0.1:" + port + "/");

    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("cannot reach the Orchestra API at http://127.0.0.1:" + port);
    assertThat(r.err()).doesNotContain("Exception");
  }
}
