package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code logs} and {@code report} against a loopback HTTP server that serves the contract's shapes
 * (LogChunk by offset, the report's HTML): the client's paging and output, not the API itself.
 */
class LogsAndReportCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String RUN = "tiny-1a2b3c4d-r00002";

  HttpServer server;
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** The run's output grows by one line per request until it is complete. */
  final StringBuilder log = new StringBuilder();

  int completeAfter = 3;
  boolean growing = true;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private synchronized void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    requests.add(ex.getRequestURI().toString());
    byte[] body;
    String type = "application/json";
    int status = 200;
    if (path.equals("/experiments/tiny-1a2b3c4d/runs/" + RUN + "/logs")) {
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      int offset = Integer.parseInt(q.getOrDefault("offset", "0"));
      if (!growing && log.length() == 0) {
        log.append("line 1\nline 2\n");
      }
      if (growing && requests.size() <= completeAfter) {
        log.append("line ").append(requests.size()).append('\n');
      }
      String text = log.substring(Math.min(offset, log.length()));
      ObjectNode chunk = JSON.createObjectNode();
      chunk.put("run_id", RUN);
      chunk.put("attempt", Integer.parseInt(q.getOrDefault("attempt", "2")));
      chunk.put("offset", offset);
      chunk.put("next_offset", offset + text.length());
      chunk.put("complete", growing && requests.size() > completeAfter);
      chunk.put("text", text);
      body = chunk.toString().getBytes(StandardCharsets.UTF_8);
    } else if (path.equals("/experiments/tiny-1a2b3c4d/report")) {
      type = "text/html";
      body = "<!doctype html><title>report</title>".getBytes(StandardCharsets.UTF_8);
    } else {
      status = 404;
      body =
          "{\"code\":\"not_found\",\"message\":\"no such thing\",\"findings\":[]}"
              .getBytes(StandardCharsets.UTF_8);
    }
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  static Map<String, String> query(String raw) {
    Map<String, String> m = new HashMap<>();
    if (raw != null) {
      for (String kv : raw.split("&")) {
        String[] p = kv.split("=", 2);
        m.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
      }
    }
    return m;
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

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

  @Test
  void logs_follow_readsByOffsetUntilComplete() {
    Result r = run("logs", RUN, "--follow", "--endpoint", endpoint());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("line 1\nline 2\nline 3\n");
    assertThat(requests.get(0)).endsWith("/logs?offset=0");
    assertThat(requests.get(1)).endsWith("/logs?attempt=2&offset=7");
    assertThat(requests.get(requests.size() - 1)).contains("offset=21");
  }

  @Test
  void logs_withoutFollow_printsWhatThereIsAndStops() {
    growing = false; // a live run: output so far, not complete

    Result r = run("logs", RUN, "--attempt", "1", "--endpoint", endpoint());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("line 1\nline 2\n");
    assertThat(requests).hasSize(2).allMatch(u -> u.contains("attempt=1"));
  }

  @Test
  void logs_json_isOneDocumentWithTheWholeText() throws Exception {
    Result r = run("logs", RUN, "--json", "--endpoint", endpoint());

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode doc = JSON.readTree(r.out());
    assertThat(doc.get("run_id").asText()).isEqualTo(RUN);
    assertThat(doc.get("text").asText()).isEqualTo("line 1\nline 2\nline 3\n");
    assertThat(doc.get("complete").asBoolean()).isTrue();
    assertThat(doc.get("next_offset").asInt()).isEqualTo(21);
  }

  @Test
  void logs_followJson_isOneLinePerChunk() throws Exception {
    Result r = run("logs", RUN, "--follow", "--json", "--endpoint", endpoint());

    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
    for (String l : lines) {
      assertThat(JSON.readTree(l).get("run_id").asText()).isEqualTo(RUN);
    }
  }

  @Test
  void report_writesTheHtmlToTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("out/report.html");

    Result r = run("report", "tiny-1a2b3c4d", "-o", file.toString(), "--endpoint", endpoint());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(file)).isEqualTo("<!doctype html><title>report</title>");
    assertThat(r.out()).contains("report written to " + file);
  }

  @Test
  void notFound_isTheApiMessage_exit2() {
    Result r = run("report", "other", "--endpoint", endpoint());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("error: no such thing\n");
  }
}
