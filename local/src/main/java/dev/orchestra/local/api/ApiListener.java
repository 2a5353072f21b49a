package dev.orchestra.local.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.Json;
import dev.orchestra.local.router.LambdaInvoker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local API endpoint: a loopback-only HTTP listener that turns each request into the event API
 * Gateway's REST (v1) proxy integration sends ({@code resource /{proxy+}}), invokes the API
 * function in-process exactly as the router invokes any function, and writes its response back.
 * Requests are not signed locally (API Gateway's IAM auth has no local stand-in: loopback only).
 */
public final class ApiListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiListener.class);

  /** Bodies above API Gateway's limit are refused before the function sees them. */
  static final int GATEWAY_MAX_BODY = 10 * 1024 * 1024;

  private static final ObjectMapper EVENTS =
      Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private final LambdaInvoker invoker;
  private final String stage;
  private HttpServer server;
  private ExecutorService threads;

  public ApiListener(LambdaInvoker invoker) {
    this(invoker, "local");
  }

  ApiListener(LambdaInvoker invoker, String stage) {
    this.invoker = invoker;
    this.stage = stage;
  }

  /** Listens on 127.0.0.1:{@code port} (0: a free port). */
  public ApiListener start(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    threads =
        Executors.newFixedThreadPool(
            8,
            r -> {
              Thread t = new Thread(r, "local-api");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(threads);
    server.createContext("/", this::serve);
    server.start();
    LOG.info("local API on {}", url());
    return this;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = readBody(exchange.getRequestBody());
      if (body == null) {
        send(exchange, 413, gatewayError("Request Too Long"));
        return;
      }
      APIGatewayProxyRequestEvent event = event(exchange, body);
      LambdaInvoker.Result result =
          invoker
              .invoke(FunctionCatalog.API, EVENTS.writeValueAsBytes(event))
              .orElseThrow(() -> new IllegalStateException("no " + FunctionCatalog.API));
      if (result.failed()) {
        // API Gateway answers a failed integration with 502 and this body.
        LOG.warn(
            "the API function failed: {}", new String(result.payload(), StandardCharsets.UTF_8));
        send(exchange, 502, gatewayError("Internal server error"));
        return;
      }
      respond(exchange, EVENTS.readTree(result.payload()));
    } catch (RuntimeException e) {
      LOG.warn("local API request failed", e);
      send(exchange, 502, gatewayError("Internal server error"));
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] b = in.readNBytes(GATEWAY_MAX_BODY + 1);
    return b.length > GATEWAY_MAX_BODY ? null : b;
  }

  APIGatewayProxyRequestEvent event(HttpExchange exchange, byte[] body) {
    URI uri = exchange.getRequestURI();
    String path = uri.getRawPath() == null ? "/" : decode(uri.getRawPath());
    Map<String, List<String>> multiHeaders = new LinkedHashMap<>();
    Map<String, String> headers = new LinkedHashMap<>();
    exchange
        .getRequestHeaders()
        .forEach(
            (k, v) -> {
              multiHeaders.put(k, List.copyOf(v));
              headers.put(k, v.get(v.size() - 1));
            });
    Map<String, List<String>> multiQuery = query(uri.getRawQuery());
    Map<String, String> queryParams = new LinkedHashMap<>();
    multiQuery.forEach((k, v) -> queryParams.put(k, v.get(v.size() - 1)));
    String text = utf8(body);
    boolean base64 = body.length > 0 && text == null;
    String requestId = UUID.randomUUID().toString();
    APIGatewayProxyRequestEvent.ProxyRequestContext ctx =
        new APIGatewayProxyRequestEvent.ProxyRequestContext()
            .withRequestId(requestId)
            .withStage(stage)
            .withHttpMethod(exchange.getRequestMethod())
            .withResourcePath("/{proxy+}")
            .withPath("/" + stage + path)
            .withAccountId("123456789012")
            .withApiId("local")
            .withProtocol(exchange.getProtocol())
            .withIdentity(
                new APIGatewayProxyRequestEvent.RequestIdentity()
                    .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                    .withUserAgent(headers.get("User-agent")));
    Map<String, String> pathParameters =
        "/".equals(path) ? null : Map.of("proxy", path.substring(1));
    return new APIGatewayProxyRequestEvent()
        .withHttpMethod(exchange.getRequestMethod())
        .withPath(path)
        .withResource("/".equals(path) ? "/" : "/{proxy+}")
        .withPathParameters(pathParameters)
        .withHeaders(headers.isEmpty() ? null : headers)
        .withMultiValueHeaders(multiHeaders.isEmpty() ? null : multiHeaders)
        .withQueryStringParameters(queryParams.isEmpty() ? null : queryParams)
        .withMultiValueQueryStringParameters(multiQuery.isEmpty() ? null : multiQuery)
        .withBody(
            body.length == 0 ? null : base64 ? Base64.getEncoder().encodeToString(body) : text)
        .withIsBase64Encoded(base64)
        .withRequestContext(ctx);
  }

  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException notText) {
      return null;
    }
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return s;
    }
  }

  private static void respond(HttpExchange exchange, JsonNode response) throws IOException {
    int status = response.path("statusCode").asInt(502);
    Map<String, List<String>> headers = new HashMap<>();
    JsonNode multi = response.get("multiValueHeaders");
    if (multi != null && multi.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = multi.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> h = it.next();
        List<String> values = new ArrayList<>();
        h.getValue().forEach(v -> values.add(v.asText()));
        headers.put(h.getKey(), values);
      }
    }
    JsonNode single = response.get("headers");
    if (single != null && single.isObject()) {
      single
          .fields()
          .forEachRemaining(h -> headers.put(h.getKey(), List.of(h.getValue().asText())));
    }
    JsonNode bodyNode = response.get("body");
    byte[] body =
        bodyNode == null || bodyNode.isNull()
            ? new byte[0]
            : response.path("isBase64Encoded").asBoolean(false)
                ? Base64.getDecoder().decode(bodyNode.asText())
                : bodyNode.asText().getBytes(StandardCharsets.UTF_8);
    headers.forEach(
        (k, v) -> {
          if (!k.equalsIgnoreCase("content-length") && !k.equalsIgnoreCase("transfer-encoding")) {
            exchange.getResponseHeaders().put(k, v);
          }
        });
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] gatewayError(String message) {
    return Json.write(Map.of("message", message)).getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().put("Content-Type", List.of("application/json"));
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
    }
    if (threads != null) {
      threads.shutdownNow();
      try {
        threads.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
