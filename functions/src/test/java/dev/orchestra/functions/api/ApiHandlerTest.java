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
                    Map.of(EnvVars.FUNCTION, "orchestra-api", EnvVars.AWS_REGION, "us-east-1"))));
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
}
