package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.cli.api.Endpoint;
import dev.orchestra.cli.out.Durations;
import dev.orchestra.cli.out.Style;
import dev.orchestra.cli.out.Table;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutputFormatTest {
  @Test
  void durations_readLikePeopleWriteThem() {
    assertThat(Durations.format(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Durations.format(Duration.ofSeconds(192))).isEqualTo("3m12s");
    assertThat(Durations.format(Duration.ofMinutes(125))).isEqualTo("2h05m");
    assertThat(Durations.format(Duration.ofHours(76))).isEqualTo("3d04h");
    assertThat(Durations.format(Duration.ofSeconds(-3))).isEqualTo("0s");
  }

  @Test
  void table_alignsColumns_ignoringColourCodes() {
    Style colour = new Style(true);
    StringWriter sw = new StringWriter();
    new Table("ID", "STATUS", "N")
        .row("a", colour.status("succeeded"), 1)
        .row("longer-id", colour.status("failed"), 22)
        .print(new PrintWriter(sw));

    String plain = sw.toString().replaceAll("\u001B\\[[0-9;]*m", "");
    assertThat(plain)
        .isEqualTo(
            "ID         STATUS     N\n"
                + "a          succeeded  1\n"
                + "longer-id  failed     22\n");
    assertThat(sw.toString()).contains("\u001B[32msucceeded\u001B[0m");
  }

  @Test
  void noColour_meansNoEscapes() {
    assertThat(new Style(false).status("failed")).isEqualTo("failed");
  }

  @Test
  void kv_shortensNumbers() throws Exception {
    assertThat(
            ApiCommands.kv(
                new ObjectMapper()
                    .readTree("{\"lr\": 0.000123456789, \"units\": 64, \"o\": \"adam\"}")))
        .isEqualTo("lr=0.000123457 units=64 o=adam");
  }

  @Test
  void endpoint_normalizesAndFindsTheRegion() {
    Endpoint e =
        new Endpoint(
            URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com:443/prod"),
            true,
            "eu-west-1",
            null,
            "t");

    assertThat(e.base().toString())
        .isEqualTo("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/");
    assertThat(e.resolve("experiments/x").toString())
        .isEqualTo("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/experiments/x");
    assertThat(Endpoint.regionOf(e.base())).isEqualTo("eu-west-1");
    assertThat(Endpoint.isLoopback(URI.create("http://127.0.0.1:9/"))).isTrue();
    assertThat(Endpoint.isLoopback(e.base())).isFalse();
  }

  @Test
  void resolution_deployedUrlIsSignedForItsRegion_loopbackIsNot() {
    Endpoint deployed =
        ApiOptions.deployed(
            "https://abc123.execute-api.ap-south-1.amazonaws.com/prod/", "--endpoint", null, null);
    Endpoint loop = ApiOptions.deployed("http://127.0.0.1:5000/", "--endpoint", null, null);

    assertThat(deployed.signed()).isTrue();
    assertThat(deployed.region()).isEqualTo("ap-south-1");
    assertThat(loop.signed()).isFalse();
  }

  @Test
  void localAndEndpointTogether_isAUsageError() {
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Orchestra.newCommandLine();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));

    int code = cl.execute("experiments", "--local", "--endpoint", "http://127.0.0.1:1/");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--local and --endpoint contradict each other");
  }

  @Test
  void badEndpointUrl_namesTheOptionAndAnExample() {
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Orchestra.newCommandLine();
    cl.setErr(new PrintWriter(err));

    int code = cl.execute("experiments", "--endpoint", "not a url");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--endpoint").contains("execute-api");
  }

  @Test
  void rootHelp_documentsExitCodes_andVersionComesFromTheBuild() {
    StringWriter out = new StringWriter();
    picocli.CommandLine cl = Orchestra.newCommandLine();
    cl.setOut(new PrintWriter(out));

    cl.execute("--help");

    assertThat(out.toString()).contains("Exit codes:").contains("  3   an environment problem");
    assertThat(Orchestra.version()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void everyCommand_hasHelpWithAnExample() {
    picocli.CommandLine root = Orchestra.newCommandLine();
    for (String name :
        new String[] {
          "init",
          "optimize",
          "experiments",
          "status",
          "runs",
          "best",
          "stop",
          "logs",
          "report",
          "configure",
          "validate"
        }) {
      StringWriter out = new StringWriter();
      picocli.CommandLine sub = root.getSubcommands().get(name);
      sub.setOut(new PrintWriter(out));
      sub.usage(new PrintWriter(out));
      assertThat(out.toString()).as(name).contains("Examples:").contains("orchestra " + name);
    }
  }
}
