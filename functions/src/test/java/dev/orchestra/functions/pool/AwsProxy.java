package dev.orchestra.functions.pool;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A pass-through HTTP proxy in front of moto for one test class: it forwards every call unchanged,
 * records the bodies of the calls a test wants to see on the wire (Step Functions task-token
 * calls), and can refuse EC2 RunInstances of one instance type with EC2's own HTTP 500 {@code
 * InsufficientInstanceCapacity} error XML (moto accepts any type and never runs out of capacity),
 * so the SDK parses a real capacity error.
 */
final class AwsProxy implements AutoCloseable {
  private static final Set<String> HOP_HEADERS =
      Set.of("host", "connection", "content-length", "expect", "upgrade", "transfer-encoding");

  private final HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final String target;
  final List<String> sfnCalls = new CopyOnWriteArrayList<>();
  final List<String> refusedRunInstances = new CopyOnWriteArrayList<>();
  volatile String refuseType;

  AwsProxy(String target) throws IOException {
    this.target = target;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(com.sun.net.httpserver.HttpExchange x) throws IOException {
    try (x) {
      byte[] body = x.getRequestBody().readAllBytes();
      String text = new String(body, StandardCharsets.UTF_8);
      String amzTarget = x.getRequestHeaders().getFirst("X-Amz-Target");
      if (amzTarget != null && amzTarget.startsWith("AWSStepFunctions.SendTask")) {
        sfnCalls.add(amzTarget + " " + text);
      }
      String form = URLDecoder.decode(text, StandardCharsets.UTF_8);
      String refuse = refuseType;
      if (refuse != null
          && form.contains("Action=RunInstances")
          && (form + "&").contains("InstanceType=" + refuse + "&")) {
        refusedRunInstances.add(refuse);
        byte[] err =
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
                    + "<Code>InsufficientInstanceCapacity</Code><Message>We currently do not have"
                    + " sufficient "
                    + refuse
                    + " capacity in the Availability Zone you requested.</Message></Error>"
                    + "</Errors><RequestID>proxy-1</RequestID></Response>")
                .getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
        x.sendResponseHeaders(500, err.length);
        x.getResponseBody().write(err);
        return;
      }
      HttpRequest.Builder r =
          HttpRequest.newBuilder(URI.create(target + x.getRequestURI()))
              .method(x.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      x.getRequestHeaders()
          .forEach(
              (k, vs) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase(java.util.Locale.ROOT))) {
                  vs.forEach(v -> r.header(k, v));
                }
              });
      HttpResponse<byte[]> resp;
      try {
        resp = client.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      resp.headers()
          .map()
          .forEach(
              (k, vs) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase(java.util.Locale.ROOT))
                    && !k.startsWith(":")) {
                  vs.forEach(v -> x.getResponseHeaders().add(k, v));
                }
              });
      byte[] out = resp.body();
      x.sendResponseHeaders(resp.statusCode(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        x.getResponseBody().write(out);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
