package dev.orchestra.functions.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.EnvVars;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API function as Lambda calls it (a proxy event as JSON in, a response event out) for the
 * routes that touch no AWS service; the endpoints over AWS are tested on the local runtime (local's
 * ApiControllerTest). Also checks the OpenAPI document shipped in the jar.
 */
class ApiHandlerTest {
  static ApiHandler handler;

  @BeforeAll
  static void start() {
    handler =
        new ApiHandler(
            new LoopContext(
                new OrchestraConfig(
                    Map.of(
                        EnvVars.FUNCTION,
                        "orchestra-api",
                        EnvVars.AWS_REGION,
                        "us-east-1",
                        // what CDK gives the API function; the tests here never reach the table
                        EnvVars.POOL_TABLE,
                        "orchestra-pools"))));
  }

  @AfterAll
  static void stop() {
    handler.close();
  }

  static JsonNode call(String method, String path, Map<String, String> headers, String body)
      throws Exception {
    Map<String, Object> event = new java.util.LinkedHashMap<>();
    event.put("resource", "/{proxy+}");
    event.put("path", path);
    event.put("httpMethod", method);
    event.put("headers", headers);
    event.put(
        "multiValueHeaders",
        headers.entrySet().stream()
            .collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))));
    event.put("pathParameters", Map.of("proxy", path.substring(1)));
    event.put("requestContext", Map.of("requestId", "r-1", "stage", "v1"));
    event.put("body", body);
    event.put("isBase64Encoded", false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(
        new ByteArrayInputStream(Json.write(event).getBytes(StandardCharsets.UTF_8)), out, null);
    return Json.MAPPER.readTree(out.toByteArray());
  }

  @Test
  void version_answersJson() throws Exception {
    JsonNode r = call("GET", "/version", Map.of(), null);
    assertThat(r.get("statusCode").asInt()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.get("body").asText()).get("version").asText()).isNotBlank();
  }

  @Test
  void unknownRoute_isA404InTheErrorShape() throws Exception {
    JsonNode r = call("GET", "/nowhere", Map.of(), null);
    assertThat(r.get("statusCode").asInt()).isEqualTo(404);
    JsonNode body = Json.MAPPER.readTree(r.get("body").asText());
    assertThat(body.get("code").asText()).isEqualTo("not_found");
    assertThat(body.get("findings").isArray()).isTrue();
  }

  @Test
  void bodyOver1MiB_isA413BeforeAnythingReadsIt() throws Exception {
    JsonNode r =
        call(
            "POST",
            "/experiments",
            Map.of("Content-Type", "application/yaml"),
            "x".repeat(ApiHandler.MAX_BODY_BYTES + 1));
    assertThat(r.get("statusCode").asInt()).isEqualTo(413);
    assertThat(Json.MAPPER.readTree(r.get("body").asText()).get("code").asText())
        .isEqualTo("payload_too_large");
  }

  @Test
  void openapi_isShippedAndServed_withEveryRouteOfTheContract() throws Exception {
    JsonNode r = call("GET", "/openapi.yml", Map.of(), null);
    assertThat(r.get("statusCode").asInt()).isEqualTo(200);
    String doc = r.get("body").asText();
    assertThat(doc).isEqualTo(MetaController.resource(MetaController.OPENAPI_RESOURCE));
    Map<String, List<String>> contract =
        Map.ofEntries(
            Map.entry("/experiments", List.of("get", "post")),
            Map.entry("/experiments/{id}", List.of("get")),
            Map.entry("/experiments/{id}/runs", List.of("get")),
            Map.entry("/experiments/{id}/best", List.of("get")),
            Map.entry("/experiments/{id}/stop", List.of("post")),
            Map.entry("/experiments/{id}/report", List.of("get")),
            Map.entry("/experiments/{id}/runs/{run}/logs", List.of("get")),
            Map.entry("/clusters", List.of("get", "post")),
            Map.entry("/clusters/{name}", List.of("get", "put", "delete")),
            Map.entry("/clusters/{name}/test", List.of("post")),
            Map.entry("/clusters/{name}/share", List.of("post")),
            Map.entry("/clusters/{name}/unshare", List.of("post")),
            Map.entry("/pools", List.of("get", "post")),
            Map.entry("/pools/{name}", List.of("get", "put", "delete")),
            Map.entry("/openapi.yml", List.of("get")),
            Map.entry("/version", List.of("get")));
    JsonNode paths =
        new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(doc).get("paths");
    contract.forEach(
        (path, methods) -> {
          assertThat(paths.has(path)).as(path).isTrue();
          methods.forEach(m -> assertThat(paths.get(path).has(m)).as(m + " " + path).isTrue());
        });
  }

  static JsonNode body(JsonNode response) throws Exception {
    return Json.MAPPER.readTree(response.get("body").asText());
  }

  static final String VALID_POOL =
      """
      pool_name: api-pool
      instance_types: [g5.xlarge]
      max_instances: 2
      ami: ami-0123456789abcdef0
      """;

  @Test
  void pools_invalidPoolYml_isA400InvalidPool_withEveryFinding() throws Exception {
    JsonNode r =
        call(
            "POST",
            "/pools",
            Map.of("Content-Type", "application/yaml"),
            "pool_name: Bad_Name\ninstance_types: []\nmax_instances: 0\nami: ami-1\n");
    assertThat(r.get("statusCode").asInt()).isEqualTo(400);
    JsonNode e = body(r);
    assertThat(e.get("code").asText()).isEqualTo("invalid_pool");
    assertThat(e.get("message").asText()).contains("pool.yml").contains("nothing was done");
    assertThat(e.get("findings").findValuesAsText("path"))
        .contains("pool_name", "instance_types", "max_instances", "ami");
    assertThat(e.get("findings").get(0).get("fix").asText()).isNotBlank();
    assertThat(e.get("findings").get(0).get("file").asText()).isEqualTo("pool.yml");
  }

  @Test
  void pools_jsonBody_isReadFromItsPoolField_andItsMistakesAre400s() throws Exception {
    JsonNode wrapped =
        call(
            "POST",
            "/pools",
            Map.of("Content-Type", "application/json"),
            Json.write(Map.of("pool", "pool_name: x\n")));
    assertThat(wrapped.get("statusCode").asInt()).isEqualTo(400);
    assertThat(body(wrapped).get("code").asText()).isEqualTo("invalid_pool");
    assertThat(body(wrapped).get("findings").findValuesAsText("path"))
        .contains("instance_types", "max_instances");

    JsonNode noField =
        call("POST", "/pools", Map.of("Content-Type", "application/json"), "{\"nope\": 1}");
    assertThat(noField.get("statusCode").asInt()).isEqualTo(400);
    assertThat(body(noField).get("code").asText()).isEqualTo("bad_request");
    assertThat(body(noField).get("message").asText()).contains("\"pool\"");

    JsonNode creds =
        call(
            "POST",
            "/pools",
            Map.of("Content-Type", "application/yaml"),
            VALID_POOL + "aws_access_key_id: AKIAEXAMPLE\n");
    assertThat(creds.get("statusCode").asInt()).isEqualTo(400);
    assertThat(body(creds).get("code").asText()).isEqualTo("credentials_rejected");

    JsonNode plain = call("POST", "/pools", Map.of("Content-Type", "text/plain"), VALID_POOL);
    assertThat(plain.get("statusCode").asInt()).isEqualTo(415);
  }

  @Test
  void pools_pathNamesAreChecked_andPutCannotRename() throws Exception {
    JsonNode bad = call("GET", "/pools/Bad_Name", Map.of(), null);
    assertThat(bad.get("statusCode").asInt()).isEqualTo(400);
    assertThat(body(bad).get("code").asText()).isEqualTo("bad_request");
    assertThat(body(bad).get("message").asText()).contains("GET /pools");

    JsonNode renamed =
        call("PUT", "/pools/other-pool", Map.of("Content-Type", "application/yaml"), VALID_POOL);
    assertThat(renamed.get("statusCode").asInt()).isEqualTo(400);
    assertThat(body(renamed).get("message").asText())
        .contains("api-pool")
        .contains("other-pool")
        .contains("/pools/api-pool");

    JsonNode patch = call("PATCH", "/pools/api-pool", Map.of(), null);
    assertThat(patch.get("statusCode").asInt()).isEqualTo(405);
  }

  /**
   * The API's mapper registers no Jackson module from the class path (ApiHandler), so no view may
   * hold a type only a module writes (java.time, Optional): every record the API answers with is
   * built from strings, numbers, booleans, lists, maps and other such records.
   */
  @Test
  void views_needNoJacksonModule() {
    List<Class<?>> roots = new java.util.ArrayList<>(List.of(ApiError.class));
    for (Class<?> owner : List.of(Views.class, ClustersController.class, PoolsController.class)) {
      roots.addAll(List.of(owner.getDeclaredClasses()));
    }
    List<String> found = new java.util.ArrayList<>();
    java.util.Set<Class<?>> seen = new java.util.HashSet<>();
    for (Class<?> root : roots) {
      if (root.isRecord()) {
        plainComponents(root, seen, found);
      }
    }
    assertThat(seen).contains(Views.ExperimentView.class, ApiError.class);
    assertThat(found).isEmpty();
  }

  private static void plainComponents(
      Class<?> record, java.util.Set<Class<?>> seen, List<String> found) {
    if (!seen.add(record)) {
      return;
    }
    for (var c : record.getRecordComponents()) {
      plainType(c.getGenericType(), record.getSimpleName() + "." + c.getName(), seen, found);
    }
  }

  private static void plainType(
      java.lang.reflect.Type t, String where, java.util.Set<Class<?>> seen, List<String> found) {
    if (t instanceof java.lang.reflect.ParameterizedType p) {
      plainType(p.getRawType(), where, seen, found);
      for (var a : p.getActualTypeArguments()) {
        plainType(a, where, seen, found);
      }
    } else if (t instanceof java.lang.reflect.TypeVariable<?>
        || t instanceof java.lang.reflect.WildcardType) {
      return; // Items<T> / PageView<T>: T is one of the records checked on their own
    } else if (t instanceof Class<?> k) {
      if (k.isRecord()) {
        plainComponents(k, seen, found);
      } else if (!(k.isPrimitive()
          || k == String.class
          || k == Object.class
          || k == Boolean.class
          || Number.class.isAssignableFrom(k) && k.getName().startsWith("java.lang.")
          || k == List.class
          || k == Map.class)) {
        found.add(where + ": " + k.getName());
      }
    } else {
      found.add(where + ": " + t);
    }
  }
}
