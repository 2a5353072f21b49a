package dev.orchestra.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.cli.UserError;
import dev.orchestra.shared.search.Parameter;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Optuna's TPESampler in a Python child process (the shipped {@code bench/optuna_tpe.py}), asked
 * and told one trial at a time. The venv lives under ~/.cache/orchestra/bench-venv and gets {@code
 * optuna==5.0.0} on first use.
 */
final class OptunaTpe implements AutoCloseable {
  static final String VERSION = "5.0.0";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final BufferedWriter in;
  private final BufferedReader out;

  private OptunaTpe(Process process) {
    this.process = process;
    this.in =
        new BufferedWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static OptunaTpe start() throws IOException, InterruptedException {
    Path venv = Path.of(System.getProperty("user.home"), ".cache", "orchestra", "bench-venv");
    Path python = venv.resolve("bin").resolve("python");
    if (!Files.isExecutable(python)) {
      System.err.println("bench: creating " + venv + " (python3 -m venv)");
      run(List.of("python3", "-m", "venv", venv.toString()));
    }
    if (run(
            List.of(
                python.toString(),
                "-c",
                "import optuna; assert optuna.__version__ == '" + VERSION + "'"))
        != 0) {
      System.err.println("bench: pip install optuna==" + VERSION + " into " + venv);
      if (run(List.of(python.toString(), "-m", "pip", "install", "-q", "optuna==" + VERSION))
          != 0) {
        throw new UserError(
            "could not install optuna=="
                + VERSION
                + " into "
                + venv
                + "; install it there by hand or run with --no-optuna",
            1);
      }
    }
    Path script = Files.createTempFile("orchestra-optuna-tpe", ".py");
    script.toFile().deleteOnExit();
    try (InputStream s = OptunaTpe.class.getResourceAsStream("/bench/optuna_tpe.py")) {
      Files.write(script, s.readAllBytes());
    }
    Process p =
        new ProcessBuilder(python.toString(), script.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    return new OptunaTpe(p);
  }

  private static int run(List<String> cmd) throws IOException, InterruptedException {
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
  }

  void study(long seed, List<Parameter> parameters) throws IOException {
    ObjectNode msg = JSON.createObjectNode().put("cmd", "study").put("seed", seed);
    ArrayNode ps = msg.putArray("parameters");
    for (Parameter p : parameters) {
      ObjectNode n = ps.addObject().put("name", p.name()).put("log", p.log());
      n.put("type", p.type().name().toLowerCase());
      if (p.min() != null) {
        n.put("min", p.min()).put("max", p.max());
      }
      ArrayNode cats = n.putArray("categories");
      p.categories().forEach(cats::add);
    }
    call(msg);
  }

  Map<String, Object> ask(List<Parameter> parameters) throws IOException {
    JsonNode params = call(JSON.createObjectNode().put("cmd", "ask")).get("params");
    Map<String, Object> a = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      JsonNode v = params.get(p.name());
      a.put(
          p.name(),
          switch (p.type()) {
            case DOUBLE -> v.asDouble();
            case INT -> v.asLong();
            case CATEGORICAL -> v.asText();
          });
    }
    return a;
  }

  void tell(double value) throws IOException {
    call(JSON.createObjectNode().put("cmd", "tell").put("value", value));
  }

  private JsonNode call(ObjectNode msg) throws IOException {
    in.write(JSON.writeValueAsString(msg));
    in.newLine();
    in.flush();
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the Optuna driver exited");
    }
    JsonNode reply = JSON.readTree(line);
    if (reply.has("error")) {
      throw new IOException("Optuna driver: " + reply.get("error").asText());
    }
    return reply;
  }

  @Override
  public void close() throws IOException {
    in.close();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroy();
    }
  }
}
