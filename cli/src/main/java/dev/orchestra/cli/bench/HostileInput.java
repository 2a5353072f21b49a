package dev.orchestra.cli.bench;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.api.ApiException;
import dev.orchestra.functions.api.Bodies;
import dev.orchestra.functions.api.Ids;
import dev.orchestra.functions.api.Pages;
import dev.orchestra.functions.results.ResultsService;
import dev.orchestra.shared.config.ConfigKind;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.Parsed;
import dev.orchestra.shared.run.ResultMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Hostile inputs for the decoders that face users and carriers: the three YAML parsers ({@link
 * ConfigParser}) and the results-message decoding (JSON → {@link ResultMessage} → {@link
 * ResultsService#shapeProblem}). Each input is a pure function of a seed, so a failure reproduces.
 * The only allowed outcomes are a model, findings (YAML), or a rejection ({@link
 * IllegalArgumentException} from decoding, or a shape problem): never another exception, an
 * OutOfMemoryError, or more than {@link #LIMIT} on one input.
 */
public final class HostileInput {
  /** The most one input may take. */
  public static final Duration LIMIT = Duration.ofSeconds(1);

  /** SQS's message size limit: nothing larger reaches the results decoder. */
  static final int MAX_MESSAGE = 256 * 1024;

  /** What is fuzzed. */
  public enum Target {
    CLUSTER_YML,
    RUN_YML,
    EXPERIMENT_YML,
    RESULT_MESSAGE,
    /**
     * A request as the API decodes it before any AWS call: a route, its Content-Type and body
     * (submissions of experiments, clusters and pools) or its path id and page parameters.
     */
    API_REQUEST
  }

  /** An input that broke the rules, with its seed. */
  public record Failure(Target target, long seed, String problem, String input) {}

  static final String CLUSTER =
      """
      cluster_name: fuzz-cluster
      provider: aws
      kubernetes_version: '1.33'
      cpu:
        instance_type: m5.large
        min_nodes: 0
        max_nodes: 2
      gpu:
        instance_type: g5.xlarge
        min_nodes: 0
        max_nodes: 2
      aws:
        aws_access_key_id: AKIAEXAMPLE
        aws_secret_access_key: secret
        additional_policies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
      tags: {team: ml}
      idle_timeout_minutes: 30
      """;

  static final String RUN =
      """
      name: fuzz
      run: python3 train.py --lr 0.1
      image: my-run
      resources:
        requests: {cpu: 1, memory: 1Gi}
        limits: {cpu: 2, memory: 2Gi, ephemeral-storage: 1e9}
        gpus: 1
      aws: {aws_access_key_id: AKIAEXAMPLE, aws_secret_access_key: secret}
      """;

  static final String EXPERIMENT =
      """
      name: fuzz
      type: offline
      metrics:
        - {name: accuracy, objective: maximize}
        - {name: latency, strategy: constraint, threshold: 10}
      parameters:
        - {name: lr, type: double, bounds: {min: 0.0001, max: 1}, transformation: log}
        - {name: layers, type: int, bounds: {min: 1, max: 8}}
        - {name: optimizer, type: categorical, categorical_values: [adam, sgd]}
      budget: 20
      parallel_bandwidth: 4
      max_failed_runs: 5
      max_run_minutes: 30
      """;

  static final String MESSAGE =
      "{\"v\":1,\"experiment_id\":\"fuzz-0123abcd\",\"run_id\":\"fuzz-0123abcd-r00001\","
          + "\"attempt\":1,\"kind\":\"result\",\"nonce\":\"00112233445566778899aabbccddeeff\","
          + "\"exit_code\":0,\"metrics\":{\"accuracy\":0.93,\"latency\":4},"
          + "\"output_tail\":\"done\\n\"}";

  /** The API's routes whose request decoding the fuzz drives. */
  static final String[] API_ROUTES = {"experiments", "clusters", "pools", "list"};

  static final String[] CONTENT_TYPES = {
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/yaml",
    "text/yaml",
    "application/x-yaml; charset=utf-8",
    "text/plain",
    "",
    "application/",
    ";;;",
    "application/json;;charset"
  };

  static final String API_JSON_SUBMISSION =
      "{\"experiment\":{\"name\":\"fuzz\",\"type\":\"random\",\"metrics\":[{\"name\":\"a\"}],"
          + "\"parameters\":[{\"name\":\"x\",\"type\":\"double\",\"bounds\":{\"min\":0,\"max\":1}}],"
          + "\"budget\":4},\"run\":\"run: python3 train.py\\n\",\"cluster\":\"gpu\","
          + "\"pool\":null}";

  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "hostile-input");
            t.setDaemon(true);
            return t;
          });

  /** The input for a seed. */
  public static String generate(Target target, long seed) {
    Random r = new Random(seed);
    if (target == Target.API_REQUEST) {
      return apiRequest(r);
    }
    String base =
        switch (target) {
          case CLUSTER_YML -> CLUSTER;
          case RUN_YML -> RUN;
          case EXPERIMENT_YML -> EXPERIMENT;
          case RESULT_MESSAGE -> MESSAGE;
          case API_REQUEST -> throw new IllegalStateException("generated above");
        };
    if (target == Target.RESULT_MESSAGE) {
      return jsonMutant(base, r);
    }
    return switch (r.nextInt(4)) {
      case 0 -> randomYaml(r);
      case 1 -> garbage(r);
      default -> {
        String text = base;
        for (int i = 1 + r.nextInt(5); i > 0; i--) {
          text = yamlMutant(text, r);
        }
        yield text;
      }
    };
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** A decode's verdict and the CPU time it took on its thread. */
  private record Decoded(Optional<String> problem, long cpuNanos) {}

  /**
   * Checks one input: empty when it was handled as the rules say. The 1 s limit is on the decoding
   * thread's CPU time (a loaded machine stretches wall time, not work); a decode still running
   * after 5 s of wall time is a hang.
   */
  public Optional<String> check(Target target, String input) {
    Future<Decoded> f =
        worker.submit(
            () -> {
              long c0 = THREADS.getCurrentThreadCpuTime();
              Optional<String> p = decode(target, input);
              return new Decoded(p, THREADS.getCurrentThreadCpuTime() - c0);
            });
    try {
      Decoded d = f.get(LIMIT.toMillis() * 5, TimeUnit.MILLISECONDS);
      slowestCpu = Math.max(slowestCpu, d.cpuNanos());
      if (d.problem().isPresent()) {
        return d.problem();
      }
      if (d.cpuNanos() > LIMIT.toNanos()) {
        return Optional.of("took " + d.cpuNanos() / 1_000_000 + " ms of CPU");
      }
      return Optional.empty();
    } catch (TimeoutException e) {
      f.cancel(true);
      return Optional.of("still running after " + LIMIT.toMillis() * 5 + " ms (a hang)");
    } catch (ExecutionException e) {
      return Optional.of("threw " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  private volatile long slowestCpu;

  private static Optional<String> decode(Target target, String input) {
    try {
      if (target == Target.API_REQUEST) {
        return decodeApiRequest(input);
      }
      if (target == Target.RESULT_MESSAGE) {
        ResultMessage m;
        try {
          m = Json.read(input, ResultMessage.class);
        } catch (IllegalArgumentException rejected) {
          return Optional.empty();
        }
        ResultsService.shapeProblem(m); // a verdict either way; it must not throw
        return Optional.empty();
      }
      return parseConfig(target, input);
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      return Optional.of("threw " + e);
    }
  }

  private static Optional<String> parseConfig(Target target, String input) {
    ConfigKind kind =
        switch (target) {
          case CLUSTER_YML -> ConfigKind.CLUSTER;
          case RUN_YML -> ConfigKind.RUN;
          default -> ConfigKind.EXPERIMENT;
        };
    return parseConfig(kind, input);
  }

  /** A verdict on one file: a model or findings (never both, never neither), each with its fix. */
  private static Optional<String> parseConfig(ConfigKind kind, String input) {
    Parsed<?> parsed = ConfigParser.parse(kind, "fuzz.yml", input);
    if (parsed.ok() == !parsed.findings().isEmpty()) {
      return Optional.of("a model and findings at once, or neither");
    }
    for (var f : parsed.findings()) {
      if (f.problem() == null || f.problem().isBlank() || f.fix() == null || f.fix().isBlank()) {
        return Optional.of("a finding without a problem or a fix: " + f);
      }
    }
    return Optional.empty();
  }

  /**
   * The API's decoding of one request, as its controllers do it before any AWS call: the body by
   * its Content-Type ({@link Bodies}), then the files' text as intake parses them; or a path id and
   * the page parameters. A refusal must be an {@link ApiException} with a 4xx status (the API
   * answers it as such); anything else thrown would be a 500.
   */
  static Optional<String> decodeApiRequest(String input) {
    String[] parts = input.split("\n", 3);
    String route = parts[0];
    String second = parts.length > 1 ? parts[1] : "";
    String rest = parts.length > 2 ? parts[2] : null;
    try {
      switch (route) {
        case "experiments" -> {
          Bodies.Submission sub = Bodies.experiment(second, rest);
          Optional<String> p = parseConfig(ConfigKind.EXPERIMENT, sub.experimentText());
          if (p.isEmpty() && sub.runText() != null) {
            p = parseConfig(ConfigKind.RUN, sub.runText());
          }
          return p;
        }
        case "clusters" -> {
          return parseConfig(ConfigKind.CLUSTER, Bodies.clusterText(second, rest));
        }
        case "pools" -> {
          return parseConfig(ConfigKind.POOL, Bodies.poolText(second, rest));
        }
        default -> {
          String[] page = rest == null ? new String[0] : rest.split("\n", 2);
          Pages.limit(second);
          Pages.after("runs", page.length > 0 ? page[0] : null);
          Ids.id("experiment id", page.length > 1 ? page[1] : "");
          Ids.cluster(page.length > 1 ? page[1] : "");
          Ids.pool(page.length > 1 ? page[1] : "");
          return Optional.empty();
        }
      }
    } catch (ApiException refused) {
      int status = refused.status().getCode();
      return status >= 400 && status < 500
          ? Optional.empty()
          : Optional.of("refused with status " + status + ": " + refused.getMessage());
    }
  }

  /** A hostile API request: route, then Content-Type (or page limit), then body (or token, id). */
  static String apiRequest(Random r) {
    String route = API_ROUTES[r.nextInt(API_ROUTES.length)];
    if (route.equals("list")) {
      String limit =
          switch (r.nextInt(4)) {
            case 0 -> Integer.toString(r.nextInt());
            case 1 -> "";
            case 2 -> garbage(r).replace('\n', ' ');
            default -> Long.toString(r.nextLong()) + "9999999999";
          };
      String token =
          switch (r.nextInt(3)) {
            case 0 ->
                java.util.Base64.getUrlEncoder()
                    .encodeToString(garbage(r).getBytes(StandardCharsets.UTF_8));
            case 1 -> garbage(r).replace('\n', ' ');
            default -> Pages.token("runs", "exp-" + r.nextInt(1000) + "-r0000" + r.nextInt(9));
          };
      String id = r.nextBoolean() ? garbage(r).replace('\n', ' ') : "exp-" + r.nextInt(1000);
      return route + "\n" + limit.replace('\n', ' ') + "\n" + token + "\n" + id;
    }
    String type = CONTENT_TYPES[r.nextInt(CONTENT_TYPES.length)];
    String body =
        switch (r.nextInt(5)) {
          case 0 -> garbage(r);
          case 1 -> randomYaml(r);
          case 2 -> yamlMutant(route.equals("experiments") ? EXPERIMENT : CLUSTER, r);
          default -> jsonMutant(apiJson(route), r);
        };
    return route + "\n" + type + "\n" + body;
  }

  private static String apiJson(String route) {
    return switch (route) {
      case "clusters" -> "{\"cluster\":\"cluster_name: c\\ncpu: {instance_type: m5.large}\\n\"}";
      case "pools" -> "{\"pool\":{\"name\":\"p\",\"instance_types\":[\"g5.xlarge\"]}}";
      default -> API_JSON_SUBMISSION;
    };
  }

  /**
   * Runs seeds {@code firstSeed, firstSeed + 1, ...} round-robin over the targets until {@code
   * budget} has passed or {@code maxInputs} were checked; returns the failures.
   */
  public Campaign run(long firstSeed, Duration budget, long maxInputs) {
    long deadline = System.nanoTime() + budget.toNanos();
    List<Failure> failures = new ArrayList<>();
    long n = 0;
    long slowest = 0;
    Target[] targets = Target.values();
    while (n < maxInputs && System.nanoTime() < deadline) {
      Target t = targets[(int) (n % targets.length)];
      long seed = firstSeed + n;
      String input = generate(t, seed);
      long s = System.nanoTime();
      Optional<String> problem = check(t, input);
      slowest = Math.max(slowest, System.nanoTime() - s);
      problem.ifPresent(p -> failures.add(new Failure(t, seed, p, input)));
      n++;
    }
    return new Campaign(n, failures, Duration.ofNanos(slowest), Duration.ofNanos(slowestCpu));
  }

  /**
   * What a campaign found.
   *
   * @param slowest the longest wall time of one input
   * @param slowestCpu the most CPU time one input took (the 1 s limit applies to this)
   */
  public record Campaign(
      long inputs, List<Failure> failures, Duration slowest, Duration slowestCpu) {}

  // ---- generators ----

  private static final String[] SCALARS = {
    "1",
    "-1",
    "0",
    "-0",
    "1.5",
    "'1'",
    "\"x\"",
    "true",
    "no",
    "[]",
    "{}",
    "~",
    "null",
    "x",
    "1e999",
    "-1e999",
    ".inf",
    "-.inf",
    ".nan",
    "0x1F",
    "0o17",
    "1_000",
    "2147483648",
    "9223372036854775808",
    "[a, 1]",
    "{a: 1}",
    "!!binary aGVsbG8=",
    "!!java.lang.Runtime x",
    "!!python/object:os.system x",
    "!!set {a, b}",
    "!!timestamp 2001-12-14",
    "'\u0000'",
    "\"\\u0000\"",
    "\"\\uD800\"",
    "|\n  x",
    ">-\n  x",
    "? a",
    "*undefined",
    "&a x",
    "m5.large",
    "1.30",
    "1Gi",
    "1500m",
    "1e9",
    "-5Gi",
    "é",
    "日本",
    "\"\\t\"",
    "''",
    "' '",
    "a: b: c",
    "- - -",
    "[[[[]]]]"
  };

  private static final String[] KEYS = {
    "cluster_name",
    "provider",
    "cpu",
    "gpu",
    "system",
    "instance_type",
    "min_nodes",
    "max_nodes",
    "kubernetes_version",
    "aws",
    "aws_access_key_id",
    "aws_secret_access_key",
    "additional_policies",
    "tags",
    "spot",
    "idle_timeout_minutes",
    "idle_action",
    "name",
    "run",
    "image",
    "resources",
    "requests",
    "limits",
    "gpus",
    "cpu",
    "memory",
    "ephemeral-storage",
    "metrics",
    "objective",
    "strategy",
    "threshold",
    "parameters",
    "type",
    "bounds",
    "min",
    "max",
    "categorical_values",
    "grid",
    "transformation",
    "budget",
    "parallel_bandwidth",
    "max_failed_runs",
    "cluster",
    "pool",
    "max_run_minutes",
    "<<",
    "",
    "é",
    "1",
    "~"
  };

  static String randomYaml(Random r) {
    StringBuilder b = new StringBuilder();
    int entries = 1 + r.nextInt(12);
    for (int i = 0; i < entries; i++) {
      b.append(KEYS[r.nextInt(KEYS.length)]).append(": ");
      value(b, r, 0, "  ");
      b.append('\n');
    }
    if (r.nextInt(5) == 0) {
      // An alias bomb: each level doubles.
      b.append("l0: &l0 [x, x]\n");
      int levels = 2 + r.nextInt(20);
      for (int i = 1; i < levels; i++) {
        b.append("l").append(i).append(": &l").append(i);
        b.append(" [*l").append(i - 1).append(", *l").append(i - 1).append("]\n");
      }
    }
    if (r.nextInt(6) == 0) {
      int depth = 1 + r.nextInt(5000);
      b.append("deep: ").append("{a: ".repeat(depth)).append('1').append("}".repeat(depth));
    }
    if (r.nextInt(8) == 0) {
      b.append("long: ").append("x".repeat(r.nextInt(2_000_000))).append('\n');
    }
    return b.toString();
  }

  private static void value(StringBuilder b, Random r, int depth, String indent) {
    int choice = depth > 4 ? 0 : r.nextInt(5);
    switch (choice) {
      case 1 -> {
        b.append('\n');
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
          b.append(indent).append(KEYS[r.nextInt(KEYS.length)]).append(": ");
          value(b, r, depth + 1, indent + "  ");
          b.append('\n');
        }
      }
      case 2 -> {
        b.append('\n');
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
          b.append(indent).append("- ");
          value(b, r, depth + 1, indent + "  ");
          b.append('\n');
        }
      }
      case 3 -> {
        b.append('[');
        for (int i = r.nextInt(4); i > 0; i--) {
          b.append(SCALARS[r.nextInt(SCALARS.length)].replace("\n", " ")).append(", ");
        }
        b.append(']');
      }
      default -> b.append(SCALARS[r.nextInt(SCALARS.length)].replace("\n", "\n" + indent));
    }
  }

  static String garbage(Random r) {
    int n = r.nextInt(4096);
    byte[] bytes = new byte[n];
    r.nextBytes(bytes);
    String s =
        new String(bytes, r.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    return r.nextBoolean() ? "\uFEFF" + s : s;
  }

  static String yamlMutant(String text, Random r) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    int at = r.nextInt(lines.size());
    String line = lines.get(at);
    switch (r.nextInt(9)) {
      case 0 -> lines.remove(at);
      case 1 -> lines.add(at, line);
      case 2 -> {
        if (!line.isEmpty()) {
          int c = r.nextInt(line.length());
          String chars = " :-[]{}&*!|>'\"#%@,?\t0a.1\u0000\u00e9";
          lines.set(
              at,
              line.substring(0, c)
                  + chars.charAt(r.nextInt(chars.length()))
                  + line.substring(c + 1));
        }
      }
      case 3 -> {
        int colon = line.indexOf(": ");
        if (colon > 0) {
          lines.set(at, line.substring(0, colon + 2) + SCALARS[r.nextInt(SCALARS.length)]);
        }
      }
      case 4 -> lines.set(at, r.nextBoolean() ? "  " + line : line.stripLeading());
      case 5 -> lines.add(at, "---");
      case 6 ->
          lines.add(at, KEYS[r.nextInt(KEYS.length)] + ": " + SCALARS[r.nextInt(SCALARS.length)]);
      case 7 -> {
        int colon = line.indexOf(':');
        if (colon > 0) {
          lines.set(at, line.substring(0, colon + 1) + " &x" + line.substring(colon + 1));
          lines.add("extra: *x");
        }
      }
      default -> {
        String joined = String.join("\n", lines);
        return joined.substring(0, r.nextInt(joined.length() + 1));
      }
    }
    return String.join("\n", lines);
  }

  private static final String[] JSON_VALUES = {
    "null",
    "0",
    "-1",
    "1",
    "2",
    "1e400",
    "-1e400",
    "99999999999999999999",
    "1.5",
    "\"\"",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "\"NaN\"",
    "\"Infinity\"",
    "[1,2]",
    "{\"a\":{}}",
    "\"result\"",
    "\"heartbeat\"",
    "\"lost\"",
    "\"fuzz-0123abcd-r\"",
    "\"-r\"",
    "\"fuzz-0123abcd\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "{\"x\":NaN}",
    "{\"x\":1e400}"
  };

  private static final String[] JSON_KEYS = {
    "v",
    "experiment_id",
    "run_id",
    "attempt",
    "kind",
    "nonce",
    "exit_code",
    "metrics",
    "output_tail",
    "extra",
    "",
    "__proto__"
  };

  private static final String JSON_PUNCTUATION = "{}[]\",:\\\u0000";

  static String jsonMutant(String base, Random r) {
    Map<String, Object> doc;
    try {
      doc = Json.readMap(base);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (var e : doc.entrySet()) {
      if (r.nextInt(8) == 0) {
        continue; // dropped
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(Json.write(e.getKey())).append(':');
      b.append(
          r.nextInt(3) == 0
              ? JSON_VALUES[r.nextInt(JSON_VALUES.length)]
              : Json.write(e.getValue()));
    }
    for (int i = r.nextInt(3); i > 0; i--) {
      b.append(first ? "" : ",")
          .append('"')
          .append(JSON_KEYS[r.nextInt(JSON_KEYS.length)])
          .append("\":")
          .append(JSON_VALUES[r.nextInt(JSON_VALUES.length)]);
      first = false;
    }
    b.append('}');
    String s = b.toString();
    switch (r.nextInt(8)) {
      case 0 -> {
        int depth = r.nextInt(100_000);
        s =
            s.substring(0, s.length() - 1)
                + ",\"deep\":"
                + "[".repeat(depth)
                + "]".repeat(depth)
                + "}";
      }
      case 1 -> s = s.substring(0, r.nextInt(s.length() + 1));
      case 2 -> {
        int c = r.nextInt(s.length());
        s =
            s.substring(0, c)
                + JSON_PUNCTUATION.charAt(r.nextInt(JSON_PUNCTUATION.length()))
                + s.substring(c + 1);
      }
      case 3 -> s = garbage(r);
      case 4 ->
          s =
              s.substring(0, s.length() - 1)
                  + ",\"output_tail\":\""
                  + "y".repeat(r.nextInt(MAX_MESSAGE))
                  + "\"}";
      default -> {}
    }
    return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) : s;
  }
}
