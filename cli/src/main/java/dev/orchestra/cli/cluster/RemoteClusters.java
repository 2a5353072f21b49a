package dev.orchestra.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.cli.UserError;
import dev.orchestra.cli.api.ApiClient;
import dev.orchestra.cli.out.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The cluster commands against the REST API's /clusters endpoints (a deployed stack). */
final class RemoteClusters {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ApiClient client;
  private final PrintWriter out;
  private final PrintWriter err;

  RemoteClusters(ApiClient client, PrintWriter out, PrintWriter err) {
    this.client = client;
    this.out = out;
    this.err = err;
  }

  static String path(String name) {
    return "clusters/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** create (POST) or update (PUT) with the credential-free cluster.yml, then follow. */
  int apply(boolean create, String name, String yaml, boolean noWait) {
    JsonNode v =
        client
            .send(
                create ? "POST" : "PUT",
                create ? "clusters" : path(name),
                "application/yaml",
                yaml,
                Map.of())
            .json();
    return follow(name, v, noWait, false);
  }

  int destroy(String name, boolean noWait) {
    JsonNode v = client.send("DELETE", path(name), null, null, Map.of()).json();
    return follow(name, v, noWait, true);
  }

  /** Polls GET /clusters/{name} until the started execution ends, printing each new step. */
  private int follow(String name, JsonNode started, boolean noWait, boolean destroying) {
    String arn = started.path("execution_arn").asText(null);
    err.println("started " + (arn == null ? "(no execution reported)" : arn));
    err.flush();
    if (noWait || arn == null) {
      return 0;
    }
    Instant start = Instant.now();
    String lastStep = "";
    int serverErrors = 0;
    while (true) {
      JsonNode v;
      try {
        v = client.get(path(name));
      } catch (ApiClient.ApiError e) {
        if (destroying && e.status() == 404) {
          err.printf("done in %s%n", elapsed(start));
          err.flush();
          return 0;
        }
        if (e.status() >= 500 && ++serverErrors <= MAX_SERVER_ERRORS) {
          // a status read that failed on the API's side (e.g. EKS mid-deletion): the workflow
          // goes on; try again at the next refresh
          pause(arn);
          continue;
        }
        if (e.status() != 404 || Duration.between(start, Instant.now()).compareTo(NO_RECORD) > 0) {
          throw e;
        }
        // create: the workflow's first step writes the record; until then there is none
        pause(arn);
        continue;
      }
      serverErrors = 0;
      String step = v.hasNonNull("step") ? v.get("step").asText() : null;
      if (step != null && !step.equals(lastStep)) {
        err.printf("[%s] %s%n", elapsed(start), step);
        err.flush();
        lastStep = step;
      }
      boolean ours = arn.equals(v.path("execution_arn").asText(null));
      String status = v.path("status").asText();
      // Done when our execution no longer runs and the record shows its outcome (a transitional
      // status with no step is a moment between two states: keep following).
      if (ours && step == null && !destroying && status.equals("ACTIVE")) {
        err.printf("done in %s%n", elapsed(start));
        err.flush();
        return 0;
      }
      if (ours && step == null && (status.equals("FAILED") || v.hasNonNull("error"))) {
        err.printf("%s after %s%n", status, elapsed(start));
        if (v.hasNonNull("error")) {
          err.println("  " + v.get("error").asText());
        }
        err.flush();
        return 1;
      }
      pause(arn);
    }
  }

  /** How long a create may go without its record before the CLI gives up following it. */
  private static final Duration NO_RECORD = Duration.ofMinutes(5);

  /** Consecutive failed status reads tolerated while following (one a second). */
  private static final int MAX_SERVER_ERRORS = 10;

  private static void pause(String arn) {
    try {
      Thread.sleep(1000); // a progress display's refresh, not a wait for an outcome
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted; the execution " + arn + " keeps running", 130);
    }
  }

  private static String elapsed(Instant start) {
    long s = Duration.between(start, Instant.now()).toSeconds();
    return String.format("%d:%02d", s / 60, s % 60);
  }

  int status(String name, boolean json) throws IOException {
    JsonNode v = client.get(path(name));
    if (json) {
      out.println(JSON.writeValueAsString(v));
    } else {
      out.printf(
          "%s: %s (Kubernetes %s)%n",
          v.path("name").asText(),
          v.path("status").asText(),
          v.path("kubernetes_version").asText("-"));
      if (v.hasNonNull("step")) {
        out.println("  step: " + v.get("step").asText());
      }
      if (v.hasNonNull("error")) {
        out.println("  error: " + v.get("error").asText());
      }
      if (v.hasNonNull("endpoint")) {
        out.println("  endpoint: " + v.get("endpoint").asText());
      }
      for (JsonNode g : v.path("node_groups")) {
        out.println("  node group: " + g);
      }
    }
    out.flush();
    return 0;
  }

  int list(boolean json) throws IOException {
    List<JsonNode> all = client.list("clusters", 0);
    if (json) {
      ObjectNode doc = JSON.createObjectNode();
      doc.putArray("items").addAll(all);
      out.println(JSON.writeValueAsString(doc));
    } else if (all.isEmpty()) {
      out.println("no clusters; create one with `orchestra cluster create -f cluster.yml`");
    } else {
      Table t = new Table("NAME", "STATUS", "KUBERNETES", "ERROR");
      for (JsonNode c : all) {
        t.row(
            c.path("name").asText(),
            c.path("status").asText(),
            c.path("kubernetes_version").asText("-"),
            c.hasNonNull("error") ? c.get("error").asText() : "-");
      }
      t.print(out);
    }
    out.flush();
    return 0;
  }

  int test(String name, boolean json) throws IOException {
    JsonNode r = client.postJson(path(name) + "/test", null);
    if (json) {
      out.println(JSON.writeValueAsString(r));
    } else {
      out.printf(
          "%s: Kubernetes API at %s answered; %d node(s)%n",
          name, r.path("server").asText(), r.path("nodes").asInt());
    }
    out.flush();
    return 0;
  }

  int trust(String name, String principal, boolean add) {
    ObjectNode body = JSON.createObjectNode().put("principal", principal);
    JsonNode r = client.postJson(path(name) + (add ? "/share" : "/unshare"), body);
    out.printf("%s: the access role trusts %s%n", name, r.path("trusted"));
    out.flush();
    return 0;
  }
}
