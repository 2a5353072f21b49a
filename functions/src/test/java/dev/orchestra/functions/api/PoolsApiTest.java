package dev.orchestra.functions.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.pool.PoolStore;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.pool.PoolAgent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The /pools endpoints through the API function as Lambda calls it (proxy events in, response
 * events out), over a real moto server: the pool's queue, role, instance profile and rule are made
 * by the real PoolOperations.
 */
class PoolsApiTest {
  static final String TICK = "arn:aws:lambda:us-east-1:123456789012:function:orchestra-pool-tick";
  static final String YAML = "application/yaml";
  static MotoServer moto;
  static AwsClients aws;
  static ApiHandler handler;

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    OrchestraConfig config =
        moto.config(
            Map.of(
                EnvVars.FUNCTION, "orchestra-api",
                EnvVars.POOL_TABLE, "pools",
                EnvVars.TABLE, "experiments",
                EnvVars.BUCKET, "bkt",
                EnvVars.RESULTS_QUEUE_URL,
                    "https://sqs.us-east-1.amazonaws.com/123456789012/orchestra-results",
                EnvVars.POOL_TICK_FUNCTION_ARN, TICK));
    aws = new AwsClients(config);
    PoolStore.createTable(aws.dynamo(), "pools");
    handler = new ApiHandler(new LoopContext(config));
  }

  @AfterAll
  static void stop() {
    if (handler != null) {
      handler.close();
    }
    if (aws != null) {
      aws.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  record Response(int status, JsonNode json) {}

  static Response call(String method, String path, String contentType, String body)
      throws Exception {
    return call(method, path, Map.of(), contentType, body);
  }

  static Response call(
      String method, String path, Map<String, String> query, String contentType, String body)
      throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("resource", "/{proxy+}");
    event.put("path", path);
    event.put("httpMethod", method);
    event.put("headers", headers);
    event.put(
        "multiValueHeaders",
        headers.entrySet().stream()
            .collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))));
    event.put("queryStringParameters", query.isEmpty() ? null : query);
    event.put(
        "multiValueQueryStringParameters",
        query.isEmpty()
            ? null
            : query.entrySet().stream()
                .collect(
                    java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, e -> List.of(e.getValue()))));
    event.put("pathParameters", Map.of("proxy", path.substring(1)));
    event.put("requestContext", Map.of("requestId", "r-1", "stage", "v1"));
    event.put("body", body);
    event.put("isBase64Encoded", false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(
        new ByteArrayInputStream(Json.write(event).getBytes(StandardCharsets.UTF_8)), out, null);
    JsonNode r = Json.MAPPER.readTree(out.toByteArray());
    String text = r.path("body").asText("");
    return new Response(
        r.get("statusCode").asInt(), text.isEmpty() ? null : Json.MAPPER.readTree(text));
  }

  static String yaml(String name, int max) {
    return """
        pool_name: %s
        instance_types: [g5.xlarge, g4dn.xlarge]
        spot: true
        on_demand_fallback: true
        max_instances: %d
        idle_timeout_minutes: 5
        ami: ami-0123abcd
        """
        .formatted(name, max);
  }

  static void assertError(Response r, int status, String code) {
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(status);
    assertThat(r.json().get("code").asText()).isEqualTo(code);
    assertThat(r.json().get("message").asText()).isNotBlank();
    assertThat(r.json().get("findings").isArray()).isTrue();
  }

  @Test
  void createStatusListUpdateDestroy_throughTheApi() throws Exception {
    Response created = call("POST", "/pools", YAML, yaml("api-pool", 2));
    assertThat(created.status()).as(String.valueOf(created.json())).isEqualTo(201);
    JsonNode pool = created.json();
    assertThat(pool.get("name").asText()).isEqualTo("api-pool");
    assertThat(pool.get("status").asText()).isEqualTo("READY");
    assertThat(pool.get("instance_types").toString()).isEqualTo("[\"g5.xlarge\",\"g4dn.xlarge\"]");
    assertThat(pool.get("spot").asBoolean()).isTrue();
    assertThat(pool.get("on_demand_fallback").asBoolean()).isTrue();
    assertThat(pool.get("max_instances").asInt()).isEqualTo(2);
    assertThat(pool.get("work_queue_url").asText())
        .endsWith("/" + PoolAgent.workQueueName("api-pool"));
    assertThat(pool.get("instance_profile_arn").asText())
        .contains(":instance-profile/orchestra/" + PoolAgent.instanceRoleName("api-pool"));
    // The schedule names the tick function with the pool as its input.
    var targets =
        aws.events().listTargetsByRule(b -> b.rule("orchestra-pool-api-pool-tick")).targets();
    assertThat(targets).hasSize(1);
    assertThat(targets.get(0).arn()).isEqualTo(TICK);
    assertThat(targets.get(0).input()).contains("api-pool");

    // The same file again (as JSON this time) is the same pool: 200.
    Response again =
        call("POST", "/pools", "application/json", Json.write(Map.of("pool", yaml("api-pool", 2))));
    assertThat(again.status()).as(String.valueOf(again.json())).isEqualTo(200);
    assertThat(again.json().get("created_at").asText()).isEqualTo(pool.get("created_at").asText());
    // A different configuration under the same name is refused: update it.
    Response changed = call("POST", "/pools", YAML, yaml("api-pool", 3));
    assertError(changed, 400, "invalid_pool");
    assertThat(changed.json().get("message").asText()).contains("orchestra pool update");

    Response status = call("GET", "/pools/api-pool", null, null);
    assertThat(status.status()).isEqualTo(200);
    assertThat(status.json().get("instances").isArray()).isTrue();
    assertThat(status.json().get("instances")).isEmpty();
    assertThat(status.json().get("pending_runs").asInt()).isZero();
    assertThat(status.json().get("last_decision").isArray()).isTrue();

    Response updated = call("PUT", "/pools/api-pool", YAML, yaml("api-pool", 3));
    assertThat(updated.status()).as(String.valueOf(updated.json())).isEqualTo(200);
    assertThat(updated.json().get("max_instances").asInt()).isEqualTo(3);
    assertThat(call("GET", "/pools/api-pool", null, null).json().get("max_instances").asInt())
        .isEqualTo(3);

    Response destroyed = call("DELETE", "/pools/api-pool", null, null);
    assertThat(destroyed.status()).as(String.valueOf(destroyed.json())).isEqualTo(202);
    assertThat(destroyed.json().get("status").asText()).isEqualTo("DESTROYING");
    Response twice = call("DELETE", "/pools/api-pool", null, null);
    assertThat(twice.status()).isEqualTo(202);
    assertThat(twice.json().get("status").asText()).isEqualTo("DESTROYING");
    // A pool being destroyed cannot be updated or created again yet.
    assertError(call("PUT", "/pools/api-pool", YAML, yaml("api-pool", 3)), 400, "invalid_pool");
    assertError(call("POST", "/pools", YAML, yaml("api-pool", 3)), 400, "invalid_pool");
  }

  @Test
  void list_pagesWithLimitAndNext_coverEveryPoolOnce() throws Exception {
    for (String name : List.of("page-a", "page-b", "page-c")) {
      assertThat(call("POST", "/pools", YAML, yaml(name, 1)).status()).isEqualTo(201);
    }
    List<String> seen = new java.util.ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      Map<String, String> q = new LinkedHashMap<>();
      q.put("limit", "2");
      if (next != null) {
        q.put("next", next);
      }
      Response page = call("GET", "/pools", q, null, null);
      assertThat(page.status()).as(String.valueOf(page.json())).isEqualTo(200);
      assertThat(page.json().get("items").size()).isLessThanOrEqualTo(2);
      page.json().get("items").forEach(p -> seen.add(p.get("name").asText()));
      next = page.json().get("next").isNull() ? null : page.json().get("next").asText();
      pages++;
    } while (next != null && pages < 10);
    assertThat(seen).contains("page-a", "page-b", "page-c").doesNotHaveDuplicates();
    assertThat(seen).isSorted();
    assertError(call("GET", "/pools", Map.of("next", "xyz"), null, null), 400, "bad_request");
    assertError(call("GET", "/pools", Map.of("limit", "0"), null, null), 400, "bad_request");
  }

  @Test
  void unknownPool_isA404PoolNotFound_onEveryRoute() throws Exception {
    String path = "/pools/" + URLEncoder.encode("no-such-pool", StandardCharsets.UTF_8);
    assertError(call("GET", path, null, null), 404, "pool_not_found");
    assertError(call("DELETE", path, null, null), 404, "pool_not_found");
    assertError(call("PUT", path, YAML, yaml("no-such-pool", 1)), 404, "pool_not_found");
    Response r = call("GET", path, null, null);
    assertThat(r.json().get("message").asText()).contains("orchestra pool list");
  }
}
