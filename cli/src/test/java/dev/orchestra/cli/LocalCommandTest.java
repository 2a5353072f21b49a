package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orchestra local ...} end to end: real background moto and runtime JVM. */
class LocalCommandTest {
  @TempDir Path home;

  @BeforeEach
  void useTempHome() {
    System.setProperty("orchestra.state.home", home.toString());
  }

  @AfterEach
  void cleanUp() {
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
  void statusJson_beforeUp_saysNotRunning() throws Exception {
    Result r = run("local", "status", "--json");

    assertThat(r.code()).isEqualTo(1);
    assertThat(new ObjectMapper().readTree(r.out()).get("running").asBoolean()).isFalse();
  }

  @Test
  void up_printsProgress_statusJsonHasEndpointRegionAndPids_downStops() throws Exception {
    Result up = run("local", "up");
    assertThat(up.code()).as(up.err()).isZero();
    assertThat(up.out())
        .contains("starting moto", "local runtime ready: aws endpoint http://127.0.0.1:");

    Result status = run("local", "status", "--json");
    assertThat(status.code()).isZero();
    JsonNode doc = new ObjectMapper().readTree(status.out());
    assertThat(doc.get("running").asBoolean()).isTrue();
    assertThat(doc.get("aws_endpoint").asText()).startsWith("http://127.0.0.1:");
    assertThat(doc.get("region").asText()).isEqualTo("us-east-1");
    assertThat(doc.get("moto_pid").asLong()).isPositive();
    assertThat(doc.get("runtime_pid").asLong()).isPositive();
    // The runtime serves the REST API on loopback; the state file and status name it.
    String api = doc.get("api_endpoint").asText();
    assertThat(api).startsWith("http://127.0.0.1:");
    java.net.http.HttpResponse<String> version =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(api + "/version")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(version.statusCode()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(version.body()).get("version").asText()).isNotBlank();

    Result down = run("local", "down");
    assertThat(down.out()).contains("local runtime stopped");
    assertThat(ProcessHandle.of(doc.get("runtime_pid").asLong()).map(ProcessHandle::isAlive))
        .isNotEqualTo(java.util.Optional.of(true));
  }
}
