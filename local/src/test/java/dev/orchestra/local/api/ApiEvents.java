package dev.orchestra.local.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.Json;
import dev.orchestra.local.router.LambdaInvoker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Drives the API function as API Gateway's REST proxy integration does: an {@link
 * APIGatewayProxyRequestEvent} as JSON into the function (through the runtime's in-process invoker,
 * as Lambda would call it), the response event back.
 */
final class ApiEvents {
  private static final ObjectMapper EVENTS =
      Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** A response: status, headers, body (parsed as JSON when it is JSON). */
  record Response(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }
  }

  private final LambdaInvoker invoker;

  ApiEvents(LambdaInvoker invoker) {
    this.invoker = invoker;
  }

  Response get(String pathAndQuery) {
    return call("GET", pathAndQuery, Map.of(), null);
  }

  Response call(String method, String pathAndQuery, Map<String, String> headers, String body) {
    String path = pathAndQuery;
    Map<String, List<String>> query = new LinkedHashMap<>();
    int q = pathAndQuery.indexOf('?');
    if (q >= 0) {
      path = pathAndQuery.substring(0, q);
      for (String pair : pathAndQuery.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        query
            .computeIfAbsent(pair.substring(0, eq), k -> new java.util.ArrayList<>())
            .add(pair.substring(eq + 1));
      }
    }
    Map<String, String> single = new LinkedHashMap<>(headers);
    Map<String, List<String>> multi = new LinkedHashMap<>();
    single.forEach((k, v) -> multi.put(k, List.of(v)));
    Map<String, String> singleQuery = new LinkedHashMap<>();
    query.forEach((k, v) -> singleQuery.put(k, v.get(v.size() - 1)));
    APIGatewayProxyRequestEvent event =
        new APIGatewayProxyRequestEvent()
            .withHttpMethod(method)
            .withPath(path)
            .withResource("/{proxy+}")
            .withPathParameters(Map.of("proxy", path.substring(1)))
            .withHeaders(single)
            .withMultiValueHeaders(multi)
            .withQueryStringParameters(singleQuery.isEmpty() ? null : singleQuery)
            .withMultiValueQueryStringParameters(query.isEmpty() ? null : query)
            .withBody(body)
            .withIsBase64Encoded(false)
            .withRequestContext(
                new APIGatewayProxyRequestEvent.ProxyRequestContext()
                    .withRequestId(UUID.randomUUID().toString())
                    .withStage("test")
                    .withHttpMethod(method)
                    .withResourcePath("/{proxy+}"));
    try {
      LambdaInvoker.Result r =
          invoker.invoke(FunctionCatalog.API, EVENTS.writeValueAsBytes(event)).orElseThrow();
      if (r.failed()) {
        throw new AssertionError(
            "the API function failed: "
                + new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8));
      }
      JsonNode out = Json.MAPPER.readTree(r.payload());
      Map<String, String> h = new LinkedHashMap<>();
      if (out.has("headers")) {
        out.get("headers").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
      }
      if (out.has("multiValueHeaders")) {
        out.get("multiValueHeaders")
            .fields()
            .forEachRemaining(e -> h.put(e.getKey(), e.getValue().get(0).asText()));
      }
      return new Response(
          out.get("statusCode").asInt(), h, out.hasNonNull("body") ? out.get("body").asText() : "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
