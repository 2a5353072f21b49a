package dev.orchestra.local.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import dev.orchestra.shared.run.RunContract;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The experiment endpoints, driven with API Gateway REST proxy events through the API function as
 * Lambda calls it, against the local runtime (moto's DynamoDB, S3 and Step Functions executing the
 * real ASL, runs as local processes); and once through the loopback HTTP listener.
 */
class ApiControllerTest {
  static LocalRuntime runtime;
  static ApiEvents api;
  static Path dir;

  static final String YAML = "application/yaml";
  static final String JSON = "application/json";

  @BeforeAll
  static void start() throws IOException {
    runtime = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.02)));
    api = new ApiEvents(runtime.invoker());
    dir = Files.createTempDirectory("api-test-");
    Files.writeString(
        dir.resolve("train.py"),
        """
        import json, os
        x = float(os.environ["ORCHESTRA_PARAM_X"])
        print("trained at x =", x)
        json.dump({"value": (x - 0.3) ** 2}, open(os.environ["ORCHESTRA_METRICS_FILE"], "w"))
        """);
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  static String experimentYaml(String name, int budget, int bandwidth, String run) {
    return """
        name: %s
        type: random
        metrics: [{name: value, objective: minimize}]
        parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
        budget: %d
        parallel_bandwidth: %d
        run:
          run: %s
        """
        .formatted(name, budget, bandwidth, run);
  }

  String train() {
    return "python3 " + dir.resolve("train.py");
  }

  static ApiEvents.Response post(String path, String contentType, String key, String body) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    if (key != null) {
      headers.put("Idempotency-Key", key);
    }
    return api.call("POST", path, headers, body);
  }

  static JsonNode awaitStatus(String id, String status) {
    return Poll.until(
        id + " to be " + status,
        Duration.ofSeconds(60),
        () -> {
          JsonNode e = api.get("/experiments/" + id).json();
          return status.equals(e.get("status").asText()) ? e : null;
        });
  }

  static void assertError(ApiEvents.Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().get("Content-Type")).startsWith("application/json");
    JsonNode e = r.json();
    assertThat(e.get("code").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).isNotBlank();
    assertThat(e.get("findings").isArray()).isTrue();
  }

  @Test
  void postYaml_sameIdempotencyKey_startsOneExperiment_201Then200() {
    String key = UUID.randomUUID().toString();
    String body = experimentYaml("idem", 1, 1, train());
    ApiEvents.Response first = post("/experiments", YAML, key, body);
    ApiEvents.Response again = post("/experiments", YAML, key, body);
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    String id = first.json().get("id").asText();
    assertThat(again.json().get("id").asText()).isEqualTo(id);
    assertThat(id).startsWith("idem-");
    JsonNode done = awaitStatus(id, "succeeded");
    assertThat(done.get("issued").asInt()).isEqualTo(1);
    assertThat(done.get("finished_at").isTextual()).isTrue();
    long executions =
        runtime
            .aws()
            .sfn()
            .listExecutions(
                b ->
                    b.stateMachineArn(
                        runtime
                            .config()
                            .require(dev.orchestra.shared.EnvVars.EXPERIMENT_STATE_MACHINE_ARN)))
            .executions()
            .stream()
            .filter(e -> e.name().equals(id))
            .count();
    assertThat(executions).isEqualTo(1);
  }

  @Test
  void postJson_withRunObject_runsToTheEnd_andRunsPageAndBestAnswer() {
    String experiment =
        """
        name: paged
        type: random
        metrics: [{name: value, objective: minimize}]
        parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
        budget: 3
        parallel_bandwidth: 3
        """;
    String body =
        Json.write(
            Map.of("experiment", experiment, "run", Map.of("run", train()), "cluster", "local"));
    ApiEvents.Response created = post("/experiments", JSON, null, body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().get("id").asText();
    assertThat(created.json().get("target").asText()).isEqualTo("cluster/local");
    JsonNode done = awaitStatus(id, "succeeded");
    assertThat(done.get("best")).hasSize(1);

    JsonNode page1 = api.get("/experiments/" + id + "/runs?limit=2").json();
    assertThat(page1.get("items")).hasSize(2);
    assertThat(page1.get("items").get(0).get("number").asInt()).isEqualTo(1);
    assertThat(page1.get("items").get(1).get("number").asInt()).isEqualTo(2);
    assertThat(page1.get("next").isTextual()).isTrue();
    JsonNode page2 =
        api.get("/experiments/" + id + "/runs?limit=2&next=" + page1.get("next").asText()).json();
    assertThat(page2.get("items")).hasSize(1);
    assertThat(page2.get("next").isNull()).isTrue();
    JsonNode run = page2.get("items").get(0);
    assertThat(run.get("run_id").asText()).isEqualTo(id + "-r00003");
    assertThat(run.get("status").asText()).isEqualTo("succeeded");
    assertThat(run.get("assignments").has("x")).isTrue();
    assertThat(run.get("metrics").has("value")).isTrue();
    assertThat(run.get("attempts")).hasSize(1);

    JsonNode best = api.get("/experiments/" + id + "/best").json();
    assertThat(best.get("items")).hasSize(1);
    JsonNode entry = best.get("items").get(0);
    assertThat(entry.get("run_id").asText()).startsWith(id + "-r");
    assertThat(entry.get("number").asInt()).isBetween(1, 3);
    assertThat(entry.get("metrics").get("value").asDouble()).isGreaterThanOrEqualTo(0.0);

    ApiEvents.Response report = api.get("/experiments/" + id + "/report");
    assertThat(report.status()).as(report.body()).isEqualTo(200);
    assertThat(report.headers().get("Content-Type")).startsWith("text/html");
    assertThat(report.body()).contains("<html").contains(id);

    String logs = "/experiments/" + id + "/runs/" + id + "-r00001/logs";
    JsonNode chunk =
        Poll.until(
            "run 1's whole output",
            Duration.ofSeconds(30),
            () -> {
              JsonNode c = api.get(logs).json();
              return c.get("complete").asBoolean() ? c : null;
            });
    assertThat(chunk.get("run_id").asText()).isEqualTo(id + "-r00001");
    assertThat(chunk.get("attempt").asInt()).isEqualTo(1);
    assertThat(chunk.get("offset").asLong()).isZero();
    assertThat(chunk.get("text").asText()).contains("trained at x =");
    assertThat(chunk.get("next_offset").asLong())
        .isEqualTo(
            chunk.get("text").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    JsonNode tail = api.get(logs + "?attempt=1&offset=5").json();
    assertThat(tail.get("offset").asLong()).isEqualTo(5);
    assertThat(chunk.get("text").asText()).endsWith(tail.get("text").asText());
    assertError(api.get(logs + "?offset=-1"), 400, "bad_request");
    assertError(api.get(logs + "?attempt=0"), 400, "bad_request");
    assertError(api.get(logs + "?attempt=x"), 400, "bad_request");
    assertError(api.get(logs + "?attempt=7"), 404, "not_found");
    assertError(api.get("/experiments/" + id + "/runs/" + id + "-r00099/logs"), 404, "not_found");
    assertError(api.get("/experiments/nothing-12345678/report"), 404, "not_found");
  }

  @Test
  void listExperiments_pagesWithLimitAndNext_coverEveryExperimentOnce() {
    Set<String> mine = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      ApiEvents.Response r =
          post(
              "/experiments",
              YAML,
              UUID.randomUUID().toString(),
              experimentYaml("listed", 1, 1, "echo ok"));
      assertThat(r.status()).isEqualTo(201);
      mine.add(r.json().get("id").asText());
    }
    List<String> seen = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      JsonNode page =
          api.get("/experiments?limit=2" + (next == null ? "" : "&next=" + next)).json();
      assertThat(page.get("items").size()).isBetween(0, 2);
      page.get("items").forEach(e -> seen.add(e.get("id").asText()));
      next = page.get("next").isNull() ? null : page.get("next").asText();
      pages++;
    } while (next != null && pages < 50);
    assertThat(seen).doesNotHaveDuplicates().containsAll(mine);
    assertThat(pages).isGreaterThanOrEqualTo(2);
    JsonNode first = api.get("/experiments?limit=1").json().get("items").get(0);
    assertThat(first.fieldNames())
        .toIterable()
        .contains(
            "id",
            "name",
            "status",
            "target",
            "budget",
            "parallel_bandwidth",
            "issued",
            "running",
            "succeeded",
            "failed",
            "created_at");
  }

  @Test
  void credentials_inYamlOrJson_areRejectedWithTheField() {
    String yaml =
        experimentYaml("creds", 1, 1, "true")
            + "  aws:\n    aws_access_key_id: AKIAEXAMPLE\n    aws_secret_access_key: x\n";
    ApiEvents.Response r = post("/experiments", YAML, null, yaml);
    assertError(r, 400, "credentials_rejected");
    assertThat(r.json().get("findings").findValuesAsText("path"))
        .contains("run.aws.aws_access_key_id", "run.aws.aws_secret_access_key");
    assertThat(r.body()).doesNotContain("AKIAEXAMPLE");

    String json =
        Json.write(
            Map.of(
                "experiment",
                experimentYaml("creds", 1, 1, "true"),
                "run",
                Map.of("run", "true", "aws", Map.of("aws_access_key_id", "AKIAEXAMPLE"))));
    ApiEvents.Response j = post("/experiments", JSON, null, json);
    assertError(j, 400, "credentials_rejected");
    assertThat(j.json().get("findings").get(0).get("path").asText())
        .isEqualTo("run.aws.aws_access_key_id");
  }

  @Test
  void invalidConfig_isA400WithFindings_andNothingStarts() {
    ApiEvents.Response r =
        post("/experiments", YAML, null, "name: broken\nbudget: -1\nrun:\n  run: 'true'\n");
    assertError(r, 400, "invalid_config");
    assertThat(r.json().get("findings")).isNotEmpty();
    JsonNode f = r.json().get("findings").get(0);
    assertThat(f.get("file").asText()).isEqualTo("experiment.yml");
    assertThat(f.has("fix")).isTrue();

    ApiEvents.Response noRun =
        post("/experiments", YAML, null, "name: norun\nmetrics: [{name: v}]\nbudget: 1\n");
    assertError(noRun, 400, "invalid_config");
    assertThat(noRun.json().get("findings").get(0).get("path").asText()).isEqualTo("run");

    assertError(post("/experiments", YAML, null, "a: [unclosed\n"), 400, "invalid_config");
  }

  @Test
  void callersMistakes_areJson4xx_neverA500() {
    assertError(api.get("/nowhere"), 404, "not_found");
    assertError(api.get("/experiments/nothing-12345678"), 404, "not_found");
    assertError(api.get("/experiments/nothing-12345678/runs"), 404, "not_found");
    assertError(api.get("/experiments/..%2F..%2Fetc"), 400, "bad_request");
    assertError(api.get("/experiments/UPPER_case"), 400, "bad_request");
    assertError(api.call("DELETE", "/experiments", Map.of(), null), 405, "method_not_allowed");
    assertError(post("/experiments", "text/plain", null, "name: x"), 415, "unsupported_media_type");
    assertError(post("/experiments", JSON, null, "{\"experiment\": "), 400, "bad_request");
    assertError(post("/experiments", JSON, null, "[1, 2]"), 400, "bad_request");
    assertError(post("/experiments", JSON, null, "{\"run\": \"true\"}"), 400, "bad_request");
    assertError(post("/experiments", JSON, null, "{\"experiment\": 3}"), 400, "bad_request");
    assertError(post("/experiments", JSON, null, ""), 400, "bad_request");
    assertError(api.get("/experiments?limit=0"), 400, "bad_request");
    assertError(api.get("/experiments?limit=101"), 400, "bad_request");
    assertError(api.get("/experiments?limit=ten"), 400, "bad_request");
    assertError(api.get("/experiments?next=garbage!"), 400, "bad_request");
    String runsToken = api.get("/experiments?limit=1").json().get("next").asText(null);
    if (runsToken != null) {
      // an experiments token is not a runs token
      assertError(
          api.get("/experiments/nothing-12345678/runs?next=" + runsToken), 400, "bad_request");
    }
    String big = "name: big\n# " + "x".repeat(1024 * 1024) + "\n";
    assertError(post("/experiments", YAML, null, big), 413, "payload_too_large");
  }

  @Test
  void stop_abortsLongRuns_releasesTheirJobs_andTheExperimentEndsStopped() {
    ApiEvents.Response created =
        post(
            "/experiments",
            YAML,
            UUID.randomUUID().toString(),
            experimentYaml("stopme", 6, 2, "sleep 120"));
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().get("id").asText();
    Poll.until(
        "two runs running with their Jobs",
        Duration.ofSeconds(45),
        () -> {
          JsonNode runs = api.get("/experiments/" + id + "/runs").json().get("items");
          long running = 0;
          for (JsonNode r : runs) {
            if ("running".equals(r.get("status").asText())
                && job(r.get("run_id").asText() + "-a1")) {
              running++;
            }
          }
          return running == 2 ? true : null;
        });
    ApiEvents.Response stopped = post("/experiments/" + id + "/stop", null, null, null);
    assertThat(stopped.status()).as(stopped.body()).isEqualTo(202);
    assertThat(stopped.json().get("stopped").asBoolean()).isTrue();

    JsonNode end = awaitStatus(id, "stopped");
    assertThat(end.get("issued").asInt()).isEqualTo(2);
    JsonNode runs = api.get("/experiments/" + id + "/runs").json().get("items");
    assertThat(runs).hasSize(2);
    for (JsonNode r : runs) {
      assertThat(r.get("status").asText()).isEqualTo("stopped");
      assertThat(r.get("reason").asText()).isEqualTo("stopped");
      assertThat(job(r.get("run_id").asText() + "-a1")).isFalse();
      String arn =
          runtime
                  .config()
                  .require(dev.orchestra.shared.EnvVars.RUN_STATE_MACHINE_ARN)
                  .replace(":stateMachine:", ":execution:")
              + ":"
              + r.get("run_id").asText();
      var described = runtime.aws().sfn().describeExecution(b -> b.executionArn(arn));
      var history = runtime.aws().sfn().getExecutionHistory(b -> b.executionArn(arn)).events();
      // ABORTED, as in AWS. moto's engine sometimes races StopExecution against the waiting task
      // (the stop closes the task as timed out, then the failure is reported before the stop):
      // the execution then ends FAILED, but it still never left Dispatch, so nothing was recorded
      // after the stop, which is what the stop guarantees.
      assertThat(described.status())
          .as(() -> described + " " + history)
          .isIn(ExecutionStatus.ABORTED, ExecutionStatus.FAILED);
      assertThat(
              history.stream()
                  .filter(e -> e.stateEnteredEventDetails() != null)
                  .map(e -> e.stateEnteredEventDetails().name()))
          .as(() -> described + " " + history)
          .containsOnly("Dispatch");
    }
    // Repeating it is harmless.
    ApiEvents.Response again = post("/experiments/" + id + "/stop", null, null, null);
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.json().get("status").asText()).isEqualTo("stopped");
    assertError(post("/experiments/nothing-12345678/stop", null, null, null), 404, "not_found");
  }

  static final Path GPU =
      Path.of("..", "examples", "clusters", "gpu.yml").toAbsolutePath().normalize();

  static JsonNode awaitCluster(String name, java.util.function.Predicate<JsonNode> done) {
    return Poll.until(
        "cluster " + name,
        Duration.ofSeconds(90),
        () -> {
          ApiEvents.Response r = api.get("/clusters/" + name);
          if (r.status() == 404) {
            return null; // the workflow's first step writes the record
          }
          assertThat(r.status()).as(r.body()).isEqualTo(200);
          JsonNode c = r.json();
          return done.test(c) ? c : null;
        });
  }

  @Test
  void clusters_createReadListTestShareUpdateDestroy_throughTheApi() throws IOException {
    String yaml =
        Files.readString(GPU).replace("cluster_name: gpu-cluster", "cluster_name: api-cluster");
    ApiEvents.Response created = post("/clusters", YAML, null, yaml);
    assertThat(created.status()).as(created.body()).isEqualTo(202);
    assertThat(created.json().get("name").asText()).isEqualTo("api-cluster");
    String execution = created.json().get("execution_arn").asText();
    assertThat(execution).contains(":execution:");
    // The same name and configuration again is harmless: the same execution.
    ApiEvents.Response again = post("/clusters", YAML, null, yaml);
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.json().get("execution_arn").asText()).isEqualTo(execution);

    Set<String> steps = new HashSet<>();
    JsonNode active =
        awaitCluster(
            "api-cluster",
            c -> {
              if (c.get("step").isTextual()) {
                steps.add(c.get("step").asText());
              }
              return "ACTIVE".equals(c.get("status").asText()) && !c.get("step").isTextual();
            });
    assertThat(steps).isNotEmpty();
    assertThat(active.get("kubernetes_version").asText()).isNotBlank();
    assertThat(active.get("endpoint").asText()).startsWith("https://");
    assertThat(active.get("access_role_arn").asText()).endsWith("api-cluster-k8s-access-role");
    assertThat(active.get("node_groups")).hasSize(3);
    assertThat(active.get("node_groups").get(0).fieldNames())
        .toIterable()
        .contains("name", "role", "status", "instance_types", "min", "max", "desired");
    assertThat(active.get("error").isNull()).isTrue();

    JsonNode list = api.get("/clusters?limit=100").json();
    assertThat(list.get("items").findValuesAsText("name")).contains("api-cluster");
    assertThat(list.get("next").isNull()).isTrue();

    ApiEvents.Response tested = post("/clusters/api-cluster/test", null, null, null);
    assertThat(tested.status()).as(tested.body()).isEqualTo(200);
    assertThat(tested.json().get("nodes").asInt()).isGreaterThanOrEqualTo(0);
    assertThat(tested.json().get("server").asText()).startsWith("http");

    String bob = "{\"principal\": \"arn:aws:iam::123456789012:user/bob\"}";
    ApiEvents.Response shared = post("/clusters/api-cluster/share", JSON, null, bob);
    assertThat(shared.status()).as(shared.body()).isEqualTo(200);
    assertThat(shared.json().get("trusted").toString()).contains("user/bob");
    ApiEvents.Response unshared = post("/clusters/api-cluster/unshare", JSON, null, bob);
    assertThat(unshared.json().get("trusted").toString()).doesNotContain("user/bob");
    assertError(
        post("/clusters/api-cluster/share", JSON, null, "{\"principal\": \"bob\"}"),
        400,
        "bad_request");
    assertError(post("/clusters/api-cluster/share", JSON, null, "{}"), 400, "bad_request");

    ApiEvents.Response updated =
        api.call(
            "PUT",
            "/clusters/api-cluster",
            Map.of("Content-Type", JSON),
            Json.write(Map.of("cluster", yaml.replace("max_nodes: 2", "max_nodes: 3"))));
    assertThat(updated.status()).as(updated.body()).isEqualTo(202);
    String updateExecution = updated.json().get("execution_arn").asText();
    assertThat(updateExecution).isNotEqualTo(execution);
    awaitCluster(
        "api-cluster",
        c ->
            "ACTIVE".equals(c.get("status").asText())
                && updateExecution.equals(c.get("execution_arn").asText())
                && !c.get("step").isTextual());

    ApiEvents.Response destroyed = api.call("DELETE", "/clusters/api-cluster", Map.of(), null);
    assertThat(destroyed.status()).as(destroyed.body()).isEqualTo(202);
    assertThat(destroyed.json().get("execution_arn").asText())
        .contains(":execution:orchestra-cluster-destroy:");
    // The destroy workflow itself is covered by ClusterLifecycleTest: seeing it start is enough.
    Poll.until(
        "api-cluster to be destroying",
        Duration.ofSeconds(60),
        () -> {
          ApiEvents.Response r = api.get("/clusters/api-cluster");
          return r.status() == 404 || "DESTROYING".equals(r.json().get("status").asText())
              ? true
              : null;
        });
  }

  @Test
  void clusters_callersMistakes_are4xx() throws IOException {
    String yaml = Files.readString(GPU);
    ApiEvents.Response creds =
        post(
            "/clusters",
            YAML,
            null,
            yaml + "aws:\n  aws_access_key_id: AKIAEXAMPLE\n  aws_secret_access_key: s\n");
    assertError(creds, 400, "credentials_rejected");
    assertThat(creds.json().get("findings").findValuesAsText("path"))
        .contains("aws.aws_access_key_id");
    ApiEvents.Response invalid =
        post("/clusters", YAML, null, "cluster_name: x\nprovider: aws\nkubernetes_version: 1.30\n");
    assertError(invalid, 400, "invalid_config");
    assertThat(invalid.json().get("findings")).isNotEmpty();
    assertError(post("/clusters", JSON, null, "{\"nope\": 1}"), 400, "bad_request");
    assertError(post("/clusters", "text/plain", null, yaml), 415, "unsupported_media_type");
    assertError(api.get("/clusters/no-such-cluster"), 404, "not_found");
    assertError(api.call("DELETE", "/clusters/no-such-cluster", Map.of(), null), 404, "not_found");
    assertError(post("/clusters/no-such-cluster/test", null, null, null), 404, "not_found");
    assertError(api.get("/clusters/bad%20name"), 400, "bad_request");
    assertError(api.call("PATCH", "/clusters/x", Map.of(), null), 405, "method_not_allowed");
    assertError(
        api.call("PUT", "/clusters/other-name", Map.of("Content-Type", YAML), yaml),
        400,
        "bad_request");
    assertError(api.get("/clusters?next=xyz"), 400, "bad_request");
  }

  static boolean job(String name) {
    return runtime
            .kubernetes()
            .client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(RunContract.NAMESPACE)
            .withName(name)
            .get()
        != null;
  }

  @Test
  void openapi_listsEveryRouteOfTheContract() {
    ApiEvents.Response r = api.get("/openapi.yml");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("Content-Type")).startsWith("application/yaml");
    for (String route :
        List.of(
            "/experiments:",
            "/experiments/{id}:",
            "/experiments/{id}/runs:",
            "/experiments/{id}/best:",
            "/experiments/{id}/stop:",
            "/experiments/{id}/report:",
            "/experiments/{id}/runs/{run}/logs:",
            "/clusters:",
            "/clusters/{name}:",
            "/clusters/{name}/test:",
            "/clusters/{name}/share:",
            "/clusters/{name}/unshare:",
            "/pools:",
            "/pools/{name}:",
            "/openapi.yml:",
            "/version:")) {
      assertThat(r.body()).as(route).contains("\n  " + route + "\n");
    }
    assertThat(api.get("/version").json().get("version").asText()).isNotBlank();
  }

  @Test
  void localListener_servesTheSameFunctionOverLoopbackHttp() throws Exception {
    String url = runtime.startApi(0);
    assertThat(url).startsWith("http://127.0.0.1:");
    HttpClient http = HttpClient.newHttpClient();
    String key = UUID.randomUUID().toString();
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/experiments"))
                .header("Content-Type", YAML)
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(experimentYaml("http", 1, 1, "echo ok")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = Json.MAPPER.readTree(created.body()).get("id").asText();
    HttpResponse<String> got =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/experiments/" + id)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(Json.MAPPER.readTree(got.body()).get("id").asText()).isEqualTo(id);
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/experiments?limit=1")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(Json.MAPPER.readTree(page.body()).get("items")).hasSize(1);
    HttpResponse<String> missing =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/experiments/nothing-12345678")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(Json.MAPPER.readTree(missing.body()).get("code").asText()).isEqualTo("not_found");
  }
}
