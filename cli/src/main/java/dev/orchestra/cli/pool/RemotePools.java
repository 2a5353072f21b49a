package dev.orchestra.cli.pool;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.cli.UserError;
import dev.orchestra.cli.api.ApiClient;
import dev.orchestra.functions.api.PoolsController.PoolView;
import dev.orchestra.functions.pool.PoolRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The pool commands against the REST API's /pools endpoints (a deployed stack). */
final class RemotePools {
  private final ApiClient client;
  private final PrintWriter out;
  private final PrintWriter err;

  RemotePools(ApiClient client, PrintWriter out, PrintWriter err) {
    this.client = client;
    this.out = out;
    this.err = err;
  }

  static String path(String name) {
    return "pools/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** POST /pools with pool.yml as it is (pool.yml carries no credentials). */
  int create(String yaml, boolean json) throws IOException {
    JsonNode v = client.post("pools", "application/yaml", yaml, Map.of()).json();
    return print(v, json);
  }

  int update(String name, String yaml, boolean json) throws IOException {
    JsonNode v = client.send("PUT", path(name), "application/yaml", yaml, Map.of()).json();
    return print(v, json);
  }

  int status(String name, boolean json) throws IOException {
    return print(client.get(path(name)), json);
  }

  int list(boolean json) throws IOException {
    List<PoolView> all = new ArrayList<>();
    for (JsonNode n : client.list("pools", 0)) {
      all.add(PoolCommand.JSON.treeToValue(n, PoolView.class));
    }
    PoolCommand.printList(out, all, json);
    return 0;
  }

  /** DELETE, then with {@code wait} GET until the pool is DESTROYED or gone (404). */
  int destroy(String name, boolean wait, boolean json) throws IOException {
    JsonNode v = client.send("DELETE", path(name), null, null, Map.of()).json();
    if (!wait) {
      return print(v, json);
    }
    err.println(
        name + ": " + v.path("status").asText() + "; waiting for its instances to terminate");
    err.flush();
    Instant start = Instant.now();
    String last = "";
    int serverErrors = 0;
    while (true) {
      JsonNode now;
      try {
        now = client.get(path(name));
        serverErrors = 0;
      } catch (ApiClient.ApiError e) {
        if (e.status() == 404) {
          err.printf("%s: destroyed in %s%n", name, PoolCommand.elapsed(start));
          err.flush();
          return 0;
        }
        if (e.status() >= 500 && ++serverErrors <= 10) {
          PoolCommand.pause(name);
          continue;
        }
        throw e;
      }
      String status = now.path("status").asText();
      String line = status + ", " + now.path("instances").size() + " instance(s) left";
      if (!line.equals(last)) {
        err.printf("[%s] %s%n", PoolCommand.elapsed(start), line);
        err.flush();
        last = line;
      }
      if (PoolRecord.DESTROYED.equals(status)) {
        err.printf("%s: destroyed in %s%n", name, PoolCommand.elapsed(start));
        err.flush();
        return print(now, json);
      }
      if (PoolRecord.FAILED.equals(status)) {
        print(now, json);
        throw new UserError(
            name
                + " is FAILED: "
                + now.path("message").asText("")
                + "; run `orchestra pool destroy` again",
            UserError.FAILED);
      }
      if (Duration.between(start, Instant.now()).compareTo(PoolCommand.DESTROY_WAIT) > 0) {
        throw new UserError(
            name
                + " is still "
                + status
                + " after "
                + PoolCommand.DESTROY_WAIT.toMinutes()
                + " minutes; its scaling tick keeps going: check `orchestra pool status "
                + name
                + "`",
            UserError.FAILED);
      }
      PoolCommand.pause(name);
    }
  }

  private int print(JsonNode v, boolean json) throws IOException {
    if (json) {
      out.println(PoolCommand.JSON.writeValueAsString(v));
    } else {
      PoolCommand.printText(out, PoolCommand.JSON.treeToValue(v, PoolView.class));
    }
    out.flush();
    return 0;
  }
}
