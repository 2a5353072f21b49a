package dev.orchestra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.cli.api.ApiClient;
import dev.orchestra.cli.out.Durations;
import dev.orchestra.cli.out.Style;
import dev.orchestra.cli.out.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that read and steer experiments through the REST API. */
final class ApiCommands {
  private ApiCommands() {}

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern RUN_ID = Pattern.compile("(.+)-r[0-9]+");

  /** Shared plumbing: output streams, the client, JSON printing. */
  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiOptions api;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    ApiClient client() {
      return api.client(err());
    }

    void printJson(JsonNode doc) throws IOException {
      out().println(JSON.writeValueAsString(doc));
      out().flush();
    }

    static String path(String id) {
      return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
  }

  @Command(
      name = "experiments",
      mixinStandardHelpOptions = true,
      description = "List experiments with their status and run counts.",
      footerHeading = "%nExamples:%n",
      footer = {
        "  orchestra experiments",
        "  orchestra experiments --limit 5 --json",
        "",
        "ID                 NAME    STATUS     DONE   FAILED  RUNNING  AGE",
        "branin-1f0c2d3e4a  Branin  succeeded  12/12  0       0        3m12s"
      })
  static final class Experiments extends Base {
    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "At most N experiments (default: all, fetched page by page).")
    int limit;

    @Option(names = "--json", description = "Print {\"items\": [...]} as the API returns them.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      if (limit < 0) {
        throw new UserError("--limit must be a positive number, not " + limit);
      }
      List<JsonNode> items = client().list("experiments", limit);
      if (json) {
        ObjectNode doc = JSON.createObjectNode();
        doc.putArray("items").addAll(items);
        printJson(doc);
        return 0;
      }
      if (items.isEmpty()) {
        out().println("no experiments yet; start one with `orchestra optimize -e experiment.yml`");
        out().flush();
        return 0;
      }
      Style style = Style.forStdout();
      Instant now = Instant.now();
      Table t = new Table("ID", "NAME", "STATUS", "DONE", "FAILED", "RUNNING", "AGE");
      for (JsonNode e : items) {
        t.row(
            e.path("id").asText(),
            e.path("name").asText(),
            style.status(e.path("status").asText()),
            done(e),
            e.path("failed").asInt(),
            e.path("running").asInt(),
            Durations.between(e.path("created_at").asText(null), null, now));
      }
      t.print(out());
      return 0;
    }
  }

  static String done(JsonNode e) {
    int finished = e.path("succeeded").asInt() + e.path("failed").asInt();
    return finished + "/" + (e.hasNonNull("budget") ? e.get("budget").asText() : "?");
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show one experiment: status, run counts, duration and the best run so far.",
      footerHeading = "%nExamples:%n",
      footer = {
        "  orchestra status branin-1f0c2d3e4a",
        "  orchestra status branin-1f0c2d3e4a --json"
      })
  static final class Status extends Base {
    @Parameters(paramLabel = "ID", description = "The experiment id (see `orchestra experiments`).")
    String id;

    @Option(names = "--json", description = "Print the API's experiment view.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      JsonNode e = client().get("experiments/" + path(id));
      if (json) {
        printJson(e);
      } else {
        printStatus(out(), e, Style.forStdout(), Instant.now());
      }
      String s = e.path("status").asText();
      return s.equals("failed") || s.equals("rejected") ? 1 : 0;
    }
  }

  static void printStatus(PrintWriter out, JsonNode e, Style style, Instant now) {
    Table t = new Table("", "").withoutHeader();
    List<String[]> lines = new ArrayList<>();
    lines.add(
        new String[] {"experiment", e.path("id").asText() + " (" + e.path("name").asText() + ")"});
    lines.add(
        new String[] {
          "status",
          style.status(e.path("status").asText())
              + (e.path("stopped").asBoolean() && !"stopped".equals(e.path("status").asText())
                  ? " (stop requested)"
                  : "")
        });
    lines.add(
        new String[] {
          "runs",
          done(e)
              + " done: "
              + e.path("succeeded").asInt()
              + " succeeded, "
              + e.path("failed").asInt()
              + " failed, "
              + e.path("running").asInt()
              + " running (parallel "
              + e.path("parallel_bandwidth").asText("?")
              + ")"
        });
    if (e.hasNonNull("target")) {
      lines.add(new String[] {"target", e.get("target").asText()});
    }
    String created = e.path("created_at").asText(null);
    String finished = e.hasNonNull("finished_at") ? e.get("finished_at").asText() : null;
    lines.add(
        new String[] {
          "duration",
          Durations.between(created, finished, now) + (finished == null ? " so far" : "")
        });
    List<String> metrics = new ArrayList<>();
    for (JsonNode m : e.path("metrics")) {
      metrics.add(
          m.path("name").asText()
              + " ("
              + m.path("objective").asText()
              + ", "
              + m.path("strategy").asText()
              + ")");
    }
    if (!metrics.isEmpty()) {
      lines.add(new String[] {"metrics", String.join(", ", metrics)});
    }
    JsonNode best = e.path("best");
    if (best.isEmpty()) {
      lines.add(new String[] {"best", "none yet"});
    }
    boolean first = true;
    for (JsonNode b : best) {
      lines.add(
          new String[] {
            first ? "best" : "", b.path("run_id").asText() + "  " + kv(b.path("metrics"))
          });
      lines.add(new String[] {"", "  " + kv(b.path("assignments"))});
      first = false;
    }
    if (e.hasNonNull("error")) {
      lines.add(new String[] {"error", e.get("error").asText()});
    }
    for (String[] l : lines) {
      t.row(l[0], l[1]);
    }
    t.print(out);
  }

  /** {@code a=1 b=0.25}: a JSON object's fields, numbers shortened to 6 significant digits. */
  static String kv(JsonNode obj) {
    if (obj == null || !obj.isObject() || obj.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(f.getKey()).append('=').append(value(f.getValue()));
    }
    return sb.toString();
  }

  static String value(JsonNode v) {
    if (v.isFloatingPointNumber()) {
      BigDecimal d = v.decimalValue().round(new java.math.MathContext(6));
      return d.stripTrailingZeros().toPlainString();
    }
    return v.isTextual() ? v.asText() : v.toString();
  }

  @Command(
      name = "runs",
      mixinStandardHelpOptions = true,
      description = "List an experiment's runs in order: status, attempt, metrics, assignments.",
      footerHeading = "%nExamples:%n",
      footer = {"  orchestra runs branin-1f0c2d3e4a", "  orchestra runs branin-1f0c2d3e4a --json"})
  static final class Runs extends Base {
    @Parameters(paramLabel = "ID", description = "The experiment id.")
    String id;

    @Option(names = "--json", description = "Print {\"items\": [...]} as the API returns them.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      List<JsonNode> runs = client().list("experiments/" + path(id) + "/runs", 0);
      if (json) {
        ObjectNode doc = JSON.createObjectNode();
        doc.putArray("items").addAll(runs);
        printJson(doc);
        return 0;
      }
      if (runs.isEmpty()) {
        out().println("no runs yet");
        out().flush();
        return 0;
      }
      Style style = Style.forStdout();
      Table t = new Table("RUN", "STATUS", "ATTEMPT", "METRICS", "ASSIGNMENTS", "EXIT", "REASON");
      for (JsonNode r : runs) {
        t.row(
            r.path("run_id").asText(),
            style.status(r.path("status").asText()),
            r.path("attempt").asInt(),
            kv(r.path("metrics")),
            kv(r.path("assignments")),
            r.hasNonNull("exit_code") ? r.get("exit_code").asText() : "-",
            r.hasNonNull("reason") ? r.get("reason").asText() : "-");
      }
      t.print(out());
      return 0;
    }
  }

  @Command(
      name = "best",
      mixinStandardHelpOptions = true,
      description = "Show the best run (or the Pareto frontier when two metrics are optimized).",
      footerHeading = "%nExamples:%n",
      footer = {"  orchestra best branin-1f0c2d3e4a", "  orchestra best branin-1f0c2d3e4a --json"})
  static final class Best extends Base {
    @Parameters(paramLabel = "ID", description = "The experiment id.")
    String id;

    @Option(names = "--json", description = "Print {\"items\": [...]} as the API returns them.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      JsonNode doc = client().get("experiments/" + path(id) + "/best");
      if (json) {
        printJson(doc);
        return 0;
      }
      JsonNode items = doc.path("items");
      if (items.isEmpty()) {
        out().println("no best run yet: no run of " + id + " has succeeded");
        out().flush();
        return 0;
      }
      Table t = new Table("RUN", "METRICS", "ASSIGNMENTS");
      for (JsonNode b : items) {
        t.row(b.path("run_id").asText(), kv(b.path("metrics")), kv(b.path("assignments")));
      }
      t.print(out());
      return 0;
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = {
        "Stop an experiment: no new runs start and the runs in flight are released.",
        "Repeating it is harmless."
      },
      footerHeading = "%nExamples:%n",
      footer = {"  orchestra stop branin-1f0c2d3e4a"})
  static final class Stop extends Base {
    @Parameters(paramLabel = "ID", description = "The experiment id.")
    String id;

    @Option(names = "--json", description = "Print the API's experiment view.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      JsonNode e = client().postJson("experiments/" + path(id) + "/stop", null);
      if (json) {
        printJson(e);
        return 0;
      }
      String status = e.path("status").asText();
      out()
          .println(
              "experiment "
                  + e.path("id").asText(id)
                  + ": stop requested (status "
                  + status
                  + ", "
                  + e.path("running").asInt()
                  + " running)");
      if (!status.equals("stopped")) {
        out()
            .println(
                "its runs are being released; `orchestra status "
                    + id
                    + "` shows when it is stopped");
      }
      out().flush();
      return 0;
    }
  }

  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = {
        "Print a run's output (stdout and stderr of its command).",
        "RUN is a run id, <experiment id>-rNNNNN (see `orchestra runs ID`)."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  orchestra logs branin-1f0c2d3e4a-r00003",
        "  orchestra logs branin-1f0c2d3e4a-r00003 --attempt 1",
        "  orchestra logs branin-1f0c2d3e4a-r00003 --follow"
      })
  static final class Logs extends Base {
    @Parameters(paramLabel = "RUN", description = "The run id, e.g. branin-1f0c2d3e4a-r00003.")
    String run;

    @Option(
        names = "--attempt",
        paramLabel = "N",
        description = "Which attempt (default: the latest).")
    Integer attempt;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing new output until the attempt ends.")
    boolean follow;

    @Option(
        names = "--json",
        description =
            "Print the log chunks as JSON: one document, or with --follow one line per chunk.")
    boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
      Matcher m = RUN_ID.matcher(run);
      if (!m.matches()) {
        throw new UserError(
            "'"
                + run
                + "' is not a run id; run ids look like <experiment id>-r00003 (see `orchestra runs"
                + " <experiment id>`)");
      }
      if (attempt != null && attempt < 1) {
        throw new UserError("--attempt counts from 1, not " + attempt);
      }
      ApiClient c = client();
      String base = "experiments/" + path(m.group(1)) + "/runs/" + path(run) + "/logs?";
      long offset = 0;
      Integer att = attempt;
      StringBuilder all = new StringBuilder();
      JsonNode last = null;
      while (true) {
        JsonNode chunk =
            c.get(base + (att == null ? "" : "attempt=" + att + "&") + "offset=" + offset);
        last = chunk;
        att = chunk.path("attempt").isInt() ? chunk.get("attempt").asInt() : att;
        String text = chunk.path("text").asText("");
        long next = chunk.path("next_offset").asLong(offset + text.length());
        if (json && follow) {
          out().println(chunk.toString());
        } else if (json) {
          all.append(text);
        } else {
          out().print(text);
        }
        out().flush();
        boolean complete = chunk.path("complete").asBoolean();
        boolean progressed = next > offset;
        offset = next;
        if (complete) {
          break;
        }
        if (!progressed) {
          if (!follow) {
            break;
          }
          Thread.sleep(1000); // polling a live log, as tail -f does
        }
      }
      if (json && !follow) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("run_id", run);
        doc.set("attempt", last.get("attempt"));
        doc.put("next_offset", offset);
        doc.put("complete", last.path("complete").asBoolean());
        doc.put("text", all.toString());
        printJson(doc);
      }
      return 0;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description =
          "Save an experiment's report (one self-contained HTML file with its charts and top runs).",
      footerHeading = "%nExamples:%n",
      footer = {
        "  orchestra report branin-1f0c2d3e4a            # writes branin-1f0c2d3e4a.html",
        "  orchestra report branin-1f0c2d3e4a -o r.html --open"
      })
  static final class Report extends Base {
    @Parameters(paramLabel = "ID", description = "The experiment id.")
    String id;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Where to write the HTML (default: ID.html in the current folder).")
    Path output;

    @Option(names = "--open", description = "Open the report in the browser (xdg-open / open).")
    boolean open;

    @Option(names = "--json", description = "Print {\"file\", \"bytes\"} instead of the path.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      ApiClient.Response r = client().getRaw("experiments/" + path(id) + "/report");
      Path file = output != null ? output : Path.of(id + ".html");
      try {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.write(file, r.body());
      } catch (IOException e) {
        throw new UserError(file + ": cannot write the report (" + e.getMessage() + ")");
      }
      if (json) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("file", file.toAbsolutePath().toString());
        doc.put("bytes", r.body().length);
        printJson(doc);
      } else {
        out().println("report written to " + file + " (" + r.body().length + " bytes)");
        out().flush();
      }
      if (open) {
        openInBrowser(file);
      }
      return 0;
    }

    private void openInBrowser(Path file) {
      String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
      String opener = os.contains("mac") ? "open" : "xdg-open";
      try {
        new ProcessBuilder(opener, file.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        err()
            .println(
                "cannot start " + opener + " (" + e.getMessage() + "); open " + file + " yourself");
        err().flush();
      }
    }
  }

  /** Appends the items of a JSON array node to a list. */
  static List<JsonNode> items(JsonNode doc) {
    List<JsonNode> list = new ArrayList<>();
    if (doc.path("items") instanceof ArrayNode a) {
      a.forEach(list::add);
    }
    return list;
  }
}
