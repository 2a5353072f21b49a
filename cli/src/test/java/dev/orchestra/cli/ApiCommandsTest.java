package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.cli.api.ApiClient;
import dev.orchestra.cli.api.Endpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The API commands end to end against the real local runtime's REST API (its loopback listener),
 * which this class starts in a temporary home and stops at the end. One tiny experiment is run
 * through {@code optimize --endpoint}; the read commands then look at it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path home;
  @TempDir static Path project;
  static String api;
  static String aws;
  static String id;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    CommandLine cl = Orchestra.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @BeforeAll
  static void upAndRunATinyExperiment() throws Exception {
    System.setProperty("orchestra.state.home", home.toString());
    Result up = run("local", "up", "--json");
    assertThat(up.code()).as(up.err()).isZero();
    api = JSON.readTree(up.out()).get("api_endpoint").asText();
    aws = JSON.readTree(up.out()).get("aws_endpoint").asText();
    assertThat(api).startsWith("http://127.0.0.1:");

    // Over the API the command runs in no particular folder: the script is named absolutely.
    Path train = project.resolve("train.py");
    Files.writeString(
        train,
        "import json, os\n"
            + "x = float(os.environ['ORCHESTRA_PARAM_X'])\n"
            + "print('hello from run', os.environ['ORCHESTRA_RUN_ID'], flush=True)\n"
            + "json.dump({'loss': (x - 0.3) ** 2}, open(os.environ['ORCHESTRA_METRICS_FILE'],"
            + " 'w'))\n");
    Files.writeString(project.resolve("run.yml"), "run: [python3, " + train + "]\n");
    Files.writeString(
        project.resolve("experiment.yml"),
        "name: Tiny\ntype: random\nbudget: 3\nparallel_bandwidth: 3\n"
            + "metrics: [{name: loss, objective: minimize}]\n"
            + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]\n");

    Result r =
        run("optimize", "-e", project.resolve("experiment.yml").toString(), "--endpoint", api);

    assertThat(r.code()).as(r.err() + r.out()).isZero();
    assertThat(r.err()).contains("accepted by " + api).contains("[succeeded] done 3/3");
    assertThat(r.out()).contains("(Tiny): succeeded").contains("runs: 3 succeeded, 0 failed of 3");
    id = r.out().substring("experiment ".length(), r.out().indexOf(' ', "experiment ".length()));
  }

  @AfterAll
  static void down() {
    run("local", "down");
    System.clearProperty("orchestra.state.home");
  }

  @Test
  @Order(1)
  void experiments_tableAndJson_listTheExperiment() throws Exception {
    // No --endpoint and nothing configured: the local runtime's API.
    Result human = run("experiments");
    Result json = run("experiments", "--json", "--limit", "10");

    assertThat(human.code()).as(human.err()).isZero();
    assertThat(human.out().lines().findFirst().orElseThrow())
        .matches("ID +NAME +STATUS +DONE +FAILED +RUNNING +AGE");
    assertThat(human.out()).containsPattern(id + " +Tiny +succeeded +3/3 +0 +0 +\\d+s");
    JsonNode items = JSON.readTree(json.out()).get("items");
    assertThat(items).anyMatch(e -> e.get("id").asText().equals(id));
  }

  @Test
  @Order(2)
  void status_humanAndJson() throws Exception {
    Result human = run("status", id);
    Result json = run("status", id, "--json");

    assertThat(human.code()).as(human.err()).isZero();
    assertThat(human.out())
        .contains("experiment  " + id + " (Tiny)")
        .containsPattern("status +succeeded")
        .containsPattern("runs +3/3 done: 3 succeeded, 0 failed, 0 running \\(parallel 3\\)")
        .containsPattern("duration +\\d+s")
        .containsPattern("best +" + id + "-r0000\\d  loss=");
    JsonNode doc = JSON.readTree(json.out());
    assertThat(doc.get("status").asText()).isEqualTo("succeeded");
    assertThat(doc.get("best")).hasSize(1);
  }

  @Test
  @Order(3)
  void runs_listsEveryRunInOrder() throws Exception {
    Result human = run("runs", id);
    Result json = run("runs", id, "--json");

    assertThat(human.code()).as(human.err()).isZero();
    assertThat(human.out().lines().toList()).hasSize(4);
    assertThat(human.out())
        .containsPattern(id + "-r00001 +succeeded +1 +loss=[0-9.E-]+ +x=[0-9.E-]+ +0 +-");
    JsonNode items = JSON.readTree(json.out()).get("items");
    assertThat(items).extracting(n -> n.get("number").asInt()).containsExactly(1, 2, 3);
  }

  @Test
  @Order(4)
  void best_isTheLowestLoss() throws Exception {
    JsonNode runs = JSON.readTree(run("runs", id, "--json").out()).get("items");
    JsonNode lowest = null;
    for (JsonNode r : runs) {
      if (lowest == null
          || r.at("/metrics/loss").asDouble() < lowest.at("/metrics/loss").asDouble()) {
        lowest = r;
      }
    }

    Result human = run("best", id);
    JsonNode json = JSON.readTree(run("best", id, "--json").out());

    assertThat(human.code()).as(human.err()).isZero();
    assertThat(human.out()).contains(lowest.get("run_id").asText());
    assertThat(json.at("/items/0/run_id").asText()).isEqualTo(lowest.get("run_id").asText());
  }

  @Test
  @Order(5)
  void unknownExperiment_isAUserErrorWithoutStackTrace() {
    Result r = run("status", "no-such-experiment");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains("no-such-experiment");
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  @Order(6)
  void logs_badRunId_saysWhatARunIdLooksLike() {
    Result r = run("logs", "tiny");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("is not a run id").contains("-r00003");
  }

  @Test
  @Order(6)
  void logs_humanAndJson_showTheRunsOutput() throws Exception {
    String runId = id + "-r00001";

    Result human = run("logs", runId);
    Result json = run("logs", runId, "--json");
    Result follow = run("logs", runId, "--follow", "--attempt", "1");

    assertThat(human.code()).as(human.err()).isZero();
    assertThat(human.out()).contains("hello from run " + runId);
    JsonNode doc = JSON.readTree(json.out());
    assertThat(doc.get("run_id").asText()).isEqualTo(runId);
    assertThat(doc.get("attempt").asInt()).isEqualTo(1);
    assertThat(doc.get("complete").asBoolean()).isTrue();
    assertThat(doc.get("text").asText()).contains("hello from run " + runId);
    assertThat(follow.code()).as(follow.err()).isZero();
    assertThat(follow.out()).isEqualTo(human.out());
  }

  @Test
  @Order(6)
  void report_writesTheExperimentsHtml() throws Exception {
    Path file = project.resolve("report.html");

    Result r = run("report", id, "-o", file.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("report written to " + file);
    String html = Files.readString(file);
    assertThat(html).containsIgnoringCase("<html").contains("Tiny");
  }

  @Test
  @Order(7)
  void stop_aLongExperiment_endsStopped() throws Exception {
    Path sleeper = project.resolve("sleeper");
    Files.createDirectories(sleeper);
    String yaml =
        "name: Long\ntype: random\nbudget: 4\nparallel_bandwidth: 2\n"
            + "metrics: [{name: loss}]\n"
            + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]\n"
            + "run: {run: [sleep, '600']}\n";
    ApiClient client = new ApiClient(Endpoint.local(URI.create(api)));
    String longId =
        client
            .post("experiments", "application/yaml", yaml, Map.of("Idempotency-Key", "long-1"))
            .json()
            .get("id")
            .asText();
    awaitStatus(longId, s -> s.get("running").asInt() > 0, Duration.ofSeconds(60));

    Result stop = run("stop", longId);
    Result again = run("stop", longId, "--json");

    assertThat(stop.code()).as(stop.err()).isZero();
    assertThat(stop.out()).contains("experiment " + longId + ": stop requested");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(JSON.readTree(again.out()).get("stopped").asBoolean()).isTrue();
    JsonNode end =
        awaitStatus(
            longId, s -> s.get("status").asText().equals("stopped"), Duration.ofSeconds(90));
    assertThat(end.get("succeeded").asInt()).isZero();
  }

  @Test
  @Order(8)
  void configure_endpoint_isUsedWithoutFlags_untilUnset() throws Exception {
    Result set = run("configure", "--endpoint", api, "--json");
    assertThat(set.code()).as(set.err()).isZero();
    assertThat(home.resolve("config.json")).exists();

    Result list = run("experiments", "--json");
    Result unset = run("configure", "--unset");

    assertThat(list.code()).as(list.err()).isZero();
    assertThat(JSON.readTree(list.out()).get("items"))
        .anyMatch(e -> e.get("id").asText().equals(id));
    assertThat(unset.out()).contains("forgot the configured stack");
    assertThat(home.resolve("config.json")).doesNotExist();
  }

  @Test
  @Order(9)
  void configure_stack_readsTheApiUrlOutput_fromCloudFormation() throws Exception {
    String url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/";
    String template =
        "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\"}},"
            + " \"Outputs\": {\"ApiUrl\": {\"Value\": \""
            + url
            + "\"}}}";
    Map<String, String> props =
        Map.of("aws.endpointUrl", aws, "aws.accessKeyId", "test", "aws.secretAccessKey", "test");
    props.forEach(System::setProperty);
    try (var cfn =
        software.amazon.awssdk.services.cloudformation.CloudFormationClient.builder()
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .build()) {
      cfn.createStack(b -> b.stackName("CliTestApi").templateBody(template));

      Result ok = run("configure", "--stack", "CliTestApi", "--region", "us-east-1", "--json");
      Result missing = run("configure", "--stack", "NoSuchApi", "--region", "us-east-1");

      assertThat(ok.code()).as(ok.err()).isZero();
      JsonNode saved = JSON.readTree(home.resolve("config.json").toFile());
      assertThat(saved.get("endpoint").asText()).isEqualTo(url);
      assertThat(saved.get("stack").asText()).isEqualTo("CliTestApi");
      assertThat(missing.code()).isEqualTo(2);
      assertThat(missing.err()).contains("no stack NoSuchApi in us-east-1").contains("fix:");
    } finally {
      props.keySet().forEach(System::clearProperty);
      run("configure", "--unset");
    }
  }

  static JsonNode awaitStatus(String expId, Predicate<JsonNode> done, Duration within)
      throws Exception {
    Instant deadline = Instant.now().plus(within);
    JsonNode last = null;
    while (Instant.now().isBefore(deadline)) {
      Result r = run("status", expId, "--json");
      if (r.code() == 0 || r.code() == 1) {
        last = JSON.readTree(r.out());
        if (done.test(last)) {
          return last;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "experiment " + expId + " did not get there in " + within + ": " + last);
  }
}
