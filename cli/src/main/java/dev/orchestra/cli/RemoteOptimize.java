package dev.orchestra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.cli.api.ApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code orchestra optimize} against the REST API: POST /experiments with an Idempotency-Key, then
 * GET /experiments/{id} and /runs until it ends, printing the same progress lines and summary as
 * the local path.
 */
final class RemoteOptimize {
  private final ApiClient client;
  private final PrintWriter err;
  private final PrintWriter out;
  private final boolean json;

  RemoteOptimize(ApiClient client, PrintWriter err, PrintWriter out, boolean json) {
    this.client = client;
    this.err = err;
    this.out = out;
    this.json = json;
  }

  int run(String experimentText, String runText, String cluster, String pool) throws IOException {
    ObjectNode body = ApiCommands.JSON.createObjectNode();
    body.put("experiment", experimentText);
    if (runText != null) {
      body.put("run", runText);
    }
    if (cluster != null) {
      body.put("cluster", cluster);
    }
    if (pool != null) {
      body.put("pool", pool);
    }
    String key = UUID.randomUUID().toString();
    JsonNode created =
        client
            .post(
                "experiments", "application/json", body.toString(), Map.of("Idempotency-Key", key))
            .json();
    String id = created.path("id").asText();
    err.println(
        "experiment "
            + id
            + " accepted by "
            + client.endpoint().base()
            + (created.hasNonNull("target")
                ? "; runs go to " + created.get("target").asText()
                : ""));
    err.flush();
    String path = "experiments/" + ApiCommands.Base.path(id);
    String last = "";
    JsonNode e;
    List<JsonNode> runs;
    while (true) {
      e = client.get(path);
      runs = client.list(path + "/runs", 0);
      String line = progressLine(e, runs);
      if (!line.equals(last)) {
        err.println(line);
        err.flush();
        last = line;
      }
      if (isFinal(e.path("status").asText())) {
        break;
      }
      try {
        Thread.sleep(1000); // a progress display's refresh, not a wait for an outcome
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted; the experiment " + id + " keeps running", 130);
      }
    }
    if (json) {
      out.println(ApiCommands.JSON.writeValueAsString(document(e, runs)));
    } else {
      printSummary(e);
    }
    out.flush();
    return "succeeded".equals(e.path("status").asText()) ? 0 : 1;
  }

  static boolean isFinal(String status) {
    return switch (status) {
      case "succeeded", "failed", "stopped", "rejected" -> true;
      default -> false;
    };
  }

  /**
   * The local path's line: {@code [running] done 4/12, failed 0, in flight 3, best {...} (run)}.
   */
  static String progressLine(JsonNode e, List<JsonNode> runs) {
    long inFlight = runs.stream().filter(r -> !isFinal(r.path("status").asText())).count();
    StringBuilder sb =
        new StringBuilder()
            .append("[")
            .append(e.path("status").asText())
            .append("] done ")
            .append(e.path("succeeded").asInt() + e.path("failed").asInt())
            .append("/")
            .append(e.path("budget").asText())
            .append(", failed ")
            .append(e.path("failed").asInt())
            .append(", in flight ")
            .append(inFlight);
    JsonNode best = e.path("best");
    if (best.size() > 0) {
      sb.append(", best ")
          .append(braces(best.get(0).path("metrics")))
          .append(" (")
          .append(best.get(0).path("run_id").asText())
          .append(")");
    }
    return sb.toString();
  }

  /** {@code {value=0.41}}, as a Java map prints (the local path's format). */
  static String braces(JsonNode obj) {
    StringBuilder sb = new StringBuilder("{");
    Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      sb.append(f.getKey()).append('=').append(f.getValue().asText());
      if (it.hasNext()) {
        sb.append(", ");
      }
    }
    return sb.append('}').toString();
  }

  private void printSummary(JsonNode e) {
    out.println(
        "experiment "
            + e.path("id").asText()
            + " ("
            + e.path("name").asText()
            + "): "
            + e.path("status").asText());
    out.println(
        "runs: "
            + e.path("succeeded").asInt()
            + " succeeded, "
            + e.path("failed").asInt()
            + " failed of "
            + e.path("issued").asInt());
    JsonNode best = e.path("best");
    if (best.isEmpty()) {
      out.println("best: none (no run succeeded)");
    }
    for (JsonNode b : best) {
      out.println("best: " + b.path("run_id").asText());
      b.path("assignments")
          .fields()
          .forEachRemaining(f -> out.println("  " + f.getKey() + " = " + f.getValue().asText()));
      b.path("metrics")
          .fields()
          .forEachRemaining(f -> out.println("  -> " + f.getKey() + " = " + f.getValue().asText()));
    }
    if (e.hasNonNull("error")) {
      out.println("error: " + e.get("error").asText());
    }
  }

  /** The local path's --json document, from the API's views. */
  private static ObjectNode document(JsonNode e, List<JsonNode> runs) {
    ObjectNode doc = ApiCommands.JSON.createObjectNode();
    doc.put("experiment", e.path("id").asText());
    doc.put("name", e.path("name").asText());
    doc.put("status", e.path("status").asText());
    ArrayNode best = doc.putArray("best");
    for (JsonNode b : e.path("best")) {
      ObjectNode n = best.addObject();
      n.put("run", b.path("run_id").asText());
      n.set("assignments", b.path("assignments"));
      n.set("metrics", b.path("metrics"));
    }
    ArrayNode list = doc.putArray("runs");
    for (JsonNode r : runs) {
      ObjectNode n = list.addObject();
      n.put("id", r.path("run_id").asText());
      n.put("attempt", r.path("attempt").asInt());
      n.put("status", r.path("status").asText());
      n.set("assignments", r.path("assignments"));
      n.set("metrics", r.get("metrics"));
      n.set("reason", r.get("reason"));
    }
    return doc;
  }
}
