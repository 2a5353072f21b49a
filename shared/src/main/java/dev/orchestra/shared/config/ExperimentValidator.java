package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.shared.run.RunContract;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import dev.orchestra.shared.search.SearchType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** experiment.yml rules. */
final class ExperimentValidator {
  private ExperimentValidator() {}

  static final List<String> FIELDS =
      List.of(
          "name",
          "metrics",
          "parameters",
          "type",
          "budget",
          "parallel_bandwidth",
          "max_failed_runs",
          "cluster",
          "pool",
          "max_run_minutes",
          "run");
  static final Map<String, String> UNSUPPORTED =
      Map.of(
          "conditionals", "SigOpt's conditionals are not supported by Orchestra",
          "linear_constraints", "SigOpt's linear_constraints are not supported by Orchestra",
          "num_solutions", "SigOpt's num_solutions is not supported by Orchestra",
          "project", "SigOpt's project field has no meaning in Orchestra",
          "observation_budget",
              "observation_budget is SigOpt's API name; experiment.yml uses budget",
          "metadata", "SigOpt's metadata is not kept by Orchestra");
  static final List<String> METRIC_FIELDS = List.of("name", "objective", "strategy", "threshold");
  static final List<String> PARAMETER_FIELDS =
      List.of("name", "type", "bounds", "categorical_values", "grid", "transformation");
  static final Map<String, String> PARAMETER_UNSUPPORTED =
      Map.of(
          "prior", "SigOpt's parameter priors are not supported by Orchestra",
          "conditions", "SigOpt's conditional parameters are not supported by Orchestra",
          "precision", "SigOpt's parameter precision is not supported by Orchestra",
          "default_value", "SigOpt's default_value is not supported by Orchestra");
  static final List<String> BOUNDS_FIELDS = List.of("min", "max");

  /** Int parameters enumerated for a grid experiment without explicit grid values. */
  static final long MAX_INT_GRID = 10_000;

  static ExperimentConfig validate(ObjectNode root, Checker c) {
    int before = c.count();
    c.unknownFields(root, "", FIELDS, UNSUPPORTED);
    String name = c.string(root, "", "name", true, "name: my-experiment");
    List<Metric> metrics = metrics(root, c);
    String typeText = c.choice(root, "", "type", List.of("offline", "random", "grid"), "offline");
    SearchType type =
        typeText == null ? null : SearchType.valueOf(typeText.toUpperCase(Locale.ROOT));
    List<Parameter> parameters = parameters(root, c, type);

    Long budget = c.integer(root, "", "budget", false, "budget: 50");
    if (budget == null && Checker.get(root, "budget") == null && type != SearchType.GRID) {
      c.required("budget", "how many runs to make", "write e.g. budget: 50");
    }
    if (budget != null && (budget < 1 || budget > 1_000_000)) {
      c.add(
          "budget",
          "budget must be between 1 and 1000000, not " + budget,
          "write the number of runs, e.g. budget: 50");
      budget = null;
    }
    Long bandwidth = positive(root, "parallel_bandwidth", c, "parallel_bandwidth: 2");
    Long maxFailed = positive(root, "max_failed_runs", c, "max_failed_runs: 5");
    String cluster = target(root, "cluster", c);
    String pool = target(root, "pool", c);
    if (Checker.get(root, "cluster") != null && Checker.get(root, "pool") != null) {
      c.add(
          "pool",
          "cluster and pool are both set; an experiment runs on one target",
          "remove one of cluster and pool");
    }
    Double maxMinutes = c.number(root, "", "max_run_minutes", false, "max_run_minutes: 120");
    if (maxMinutes != null && (maxMinutes <= 0 || maxMinutes > 525_600)) {
      c.add(
          "max_run_minutes",
          "max_run_minutes must be above 0 and at most 525600 (a year), not " + maxMinutes,
          "write e.g. max_run_minutes: 120, or leave it out for no limit");
      maxMinutes = null;
    }
    RunConfig run = null;
    ObjectNode runNode = c.mapping(root, "", "run", false, "run: {run: python model.py}");
    if (runNode != null) {
      run = RunValidator.validate(runNode, c.under("run"));
    }
    if (c.count() > before) {
      return null;
    }
    ExperimentConfig config =
        new ExperimentConfig(
            name,
            metrics,
            parameters,
            type,
            budget == null ? null : budget.intValue(),
            bandwidth == null ? 1 : bandwidth.intValue(),
            maxFailed == null ? null : maxFailed.intValue(),
            cluster,
            pool,
            maxMinutes,
            run);
    if (type == SearchType.GRID && config.gridSize() == Long.MAX_VALUE) {
      c.add(
          "parameters",
          "the grid has more points than can be counted",
          "give fewer grid values, or set a budget and use type: random");
      return null;
    }
    return config;
  }

  private static Long positive(ObjectNode root, String field, Checker c, String example) {
    Long n = c.integer(root, "", field, false, example);
    if (n != null && (n < 1 || n > 100_000)) {
      c.add(field, field + " must be between 1 and 100000, not " + n, Checker.fix(example));
      return null;
    }
    return n;
  }

  private static String target(ObjectNode root, String field, Checker c) {
    return Checker.get(root, field) == null
        ? null
        : ClusterValidator.clusterName(root, "", field, c, false);
  }

  private static List<Metric> metrics(ObjectNode root, Checker c) {
    ArrayNode list = c.list(root, "", "metrics", true, "metrics: [{name: accuracy}]");
    List<Metric> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.isEmpty()) {
      c.add(
          "metrics", "metrics is an empty list", "add a metric, e.g. metrics: [{name: accuracy}]");
      return out;
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "metrics[" + i + "]";
      JsonNode m = list.get(i);
      Metric metric;
      if (m.isTextual() && !m.asText().isBlank()) {
        // SigOpt's shorthand: a bare metric name.
        metric = new Metric(m.asText(), Objective.MAXIMIZE, MetricStrategy.OPTIMIZE, null);
      } else if (m.isObject()) {
        metric = metric((ObjectNode) m, path, c);
      } else {
        c.add(
            path,
            "a metric must be a mapping with a name, not " + YamlLoader.describe(m),
            "write e.g. - name: accuracy");
        continue;
      }
      if (metric == null) {
        continue;
      }
      Integer other = seen.putIfAbsent(metric.name(), i);
      if (other != null) {
        c.add(
            path + ".name",
            "the metric name '"
                + Names.shorten(metric.name())
                + "' is also used by metrics["
                + other
                + "]",
            "give every metric a different name");
        continue;
      }
      out.add(metric);
    }
    long optimized = out.stream().filter(m -> m.strategy() == MetricStrategy.OPTIMIZE).count();
    if (!out.isEmpty() && optimized == 0) {
      c.add(
          "metrics",
          "no metric is optimized (strategy: optimize, the default)",
          "make one or two metrics strategy: optimize");
    } else if (optimized > 2) {
      c.add(
          "metrics",
          optimized + " metrics are optimized; at most two can be (SigOpt multimetric)",
          "set strategy: store or strategy: constraint on the others");
    }
    return out;
  }

  private static Metric metric(ObjectNode m, String path, Checker c) {
    int before = c.count();
    c.unknownFields(m, path, METRIC_FIELDS, Map.of());
    String name = c.string(m, path, "name", true, "name: accuracy");
    String objective = c.choice(m, path, "objective", List.of("maximize", "minimize"), "maximize");
    String strategy =
        c.choice(m, path, "strategy", List.of("optimize", "store", "constraint"), "optimize");
    Double threshold = c.number(m, path, "threshold", false, "threshold: 0.9");
    if ("constraint".equals(strategy) && Checker.get(m, "threshold") == null) {
      c.add(
          Checker.at(path, "threshold"),
          "a constraint metric needs a threshold",
          "add threshold: the value the metric must reach");
    }
    if (c.count() > before) {
      return null;
    }
    return new Metric(
        name,
        Objective.valueOf(objective.toUpperCase(Locale.ROOT)),
        MetricStrategy.valueOf(strategy.toUpperCase(Locale.ROOT)),
        threshold);
  }

  private static List<Parameter> parameters(ObjectNode root, Checker c, SearchType type) {
    ArrayNode list =
        c.list(
            root,
            "",
            "parameters",
            true,
            "parameters: [{name: lr, type: double, bounds: {min: 0.001, max: 0.1}}]");
    List<Parameter> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.isEmpty()) {
      c.add(
          "parameters",
          "parameters is an empty list",
          "add a parameter, e.g. - {name: lr, type: double, bounds: {min: 0.001, max: 0.1}}");
      return out;
    }
    Map<String, Integer> names = new HashMap<>();
    Map<String, String> envNames = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "parameters[" + i + "]";
      JsonNode p = list.get(i);
      if (!p.isObject()) {
        c.add(
            path,
            "a parameter must be a mapping, not " + YamlLoader.describe(p),
            "write e.g. - {name: lr, type: double, bounds: {min: 0.001, max: 0.1}}");
        continue;
      }
      Parameter parameter = parameter((ObjectNode) p, path, c, type);
      if (parameter == null) {
        continue;
      }
      Integer other = names.putIfAbsent(parameter.name(), i);
      if (other != null) {
        c.add(
            path + ".name",
            "the parameter name '"
                + Names.shorten(parameter.name())
                + "' is also used by parameters["
                + other
                + "]",
            "give every parameter a different name");
        continue;
      }
      String env = RunContract.paramEnvName(parameter.name());
      String clash = envNames.putIfAbsent(env, parameter.name());
      if (clash != null) {
        c.add(
            path + ".name",
            "the parameters '"
                + Names.shorten(clash)
                + "' and '"
                + Names.shorten(parameter.name())
                + "' both become the environment variable "
                + Names.shorten(env),
            "rename one so that the names differ in more than case and punctuation");
        continue;
      }
      out.add(parameter);
    }
    return out;
  }

  private static Parameter parameter(ObjectNode p, String path, Checker c, SearchType expType) {
    int before = c.count();
    c.unknownFields(p, path, PARAMETER_FIELDS, PARAMETER_UNSUPPORTED);
    String name = c.string(p, path, "name", true, "name: learning_rate");
    String typeText = c.choice(p, path, "type", List.of("double", "int", "categorical"), null);
    if (typeText == null && Checker.get(p, "type") == null) {
      c.required(Checker.at(path, "type"), "double, int or categorical", "write type: double");
    }
    if (typeText == null) {
      return null;
    }
    ParameterType type = ParameterType.valueOf(typeText.toUpperCase(Locale.ROOT));
    Double min = null;
    Double max = null;
    List<String> categories = List.of();
    boolean log = false;
    if (type == ParameterType.CATEGORICAL) {
      if (Checker.get(p, "bounds") != null) {
        c.add(
            Checker.at(path, "bounds"),
            "bounds are for double and int parameters, not categorical",
            "remove bounds; list the values in categorical_values");
      }
      categories = categories(p, path, c);
    } else {
      if (Checker.get(p, "categorical_values") != null) {
        c.add(
            Checker.at(path, "categorical_values"),
            "categorical_values are for categorical parameters, not " + typeText,
            "remove categorical_values, or write type: categorical");
      }
      double[] bounds = bounds(p, path, c, type);
      if (bounds != null) {
        min = bounds[0];
        max = bounds[1];
      }
    }
    JsonNode transformation = Checker.get(p, "transformation");
    if (transformation != null) {
      String t = c.choice(p, path, "transformation", List.of("log"), null);
      if (t != null) {
        if (type == ParameterType.CATEGORICAL) {
          c.add(
              Checker.at(path, "transformation"),
              "transformation: log needs a double or int parameter, not categorical",
              "remove transformation");
        } else if (min != null && min <= 0) {
          c.add(
              Checker.at(path, "transformation"),
              "transformation: log needs bounds.min above 0, not " + fmt(min),
              "raise bounds.min above 0, or remove transformation");
        } else {
          log = true;
        }
      }
    }
    List<Object> grid = grid(p, path, c, type, min, max, categories);
    if (expType == SearchType.GRID && grid.isEmpty() && c.count() == before) {
      if (type == ParameterType.DOUBLE) {
        c.add(
            Checker.at(path, "grid"),
            "a double parameter in a grid experiment needs grid values",
            "add e.g. grid: [0.001, 0.01, 0.1]");
      } else if (type == ParameterType.INT && max - min + 1 > MAX_INT_GRID) {
        c.add(
            Checker.at(path, "bounds"),
            "the int bounds hold "
                + (long) (max - min + 1)
                + " values, above the grid limit of "
                + MAX_INT_GRID,
            "add grid values, or narrow the bounds");
      }
    }
    if (c.count() > before) {
      return null;
    }
    return new Parameter(name, type, min, max, log, categories, grid);
  }

  private static double[] bounds(ObjectNode p, String path, Checker c, ParameterType type) {
    String where = Checker.at(path, "bounds");
    ObjectNode b = c.mapping(p, path, "bounds", true, "bounds: {min: 0, max: 1}");
    if (b == null) {
      return null;
    }
    int before = c.count();
    c.unknownFields(b, where, BOUNDS_FIELDS, Map.of());
    Double min;
    Double max;
    if (type == ParameterType.INT) {
      Long lo = c.integer(b, where, "min", true, "min: 1");
      Long hi = c.integer(b, where, "max", true, "max: 10");
      min = lo == null ? null : lo.doubleValue();
      max = hi == null ? null : hi.doubleValue();
      if (lo != null && Math.abs(lo) > (1L << 53) || hi != null && Math.abs(hi) > (1L << 53)) {
        c.add(where, "int bounds must be within ±2^53", "narrow the bounds");
      }
    } else {
      min = c.number(b, where, "min", true, "min: 0");
      max = c.number(b, where, "max", true, "max: 1");
    }
    if (min != null && max != null && min >= max) {
      c.add(
          where + ".min",
          "bounds.min (" + fmt(min) + ") must be below bounds.max (" + fmt(max) + ")",
          "swap or correct the bounds");
    }
    return c.count() > before ? null : new double[] {min, max};
  }

  private static List<String> categories(ObjectNode p, String path, Checker c) {
    String where = Checker.at(path, "categorical_values");
    ArrayNode list = c.list(p, path, "categorical_values", true, "categorical_values: [a, b]");
    List<String> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.isEmpty()) {
      c.add(where, "categorical_values is an empty list", "list the values, e.g. [adam, sgd]");
      return out;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String item = where + "[" + i + "]";
      JsonNode v = list.get(i);
      String value = null;
      if (v.isTextual() && !v.asText().isEmpty()) {
        value = v.asText();
      } else if (v.isObject()) {
        // SigOpt also accepted [{name: adam}, {name: sgd}].
        c.unknownFields((ObjectNode) v, item, List.of("name", "enum_index"), Map.of());
        value = c.string((ObjectNode) v, item, "name", true, "name: adam");
      } else {
        c.add(
            item,
            "a categorical value must be a string, not "
                + YamlLoader.describe(v)
                + " ("
                + Checker.show(v)
                + ")",
            v.isValueNode() ? "quote it: '" + Names.shorten(v.asText()) + "'" : "write a string");
      }
      if (value == null) {
        continue;
      }
      if (!seen.add(value)) {
        c.add(item, "the value '" + Names.shorten(value) + "' is listed twice", "list it once");
        continue;
      }
      out.add(value);
    }
    return out;
  }

  private static List<Object> grid(
      ObjectNode p,
      String path,
      Checker c,
      ParameterType type,
      Double min,
      Double max,
      List<String> categories) {
    String where = Checker.at(path, "grid");
    ArrayNode list = c.list(p, path, "grid", false, "grid: [1, 2, 4]");
    List<Object> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.isEmpty()) {
      c.add(where, "grid is an empty list", "list the values to try, or remove grid");
      return out;
    }
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String item = where + "[" + i + "]";
      JsonNode v = list.get(i);
      Object value;
      switch (type) {
        case INT -> {
          Long n = Checker.asWhole(v);
          if (n == null) {
            c.add(
                item,
                "grid values of an int parameter must be whole numbers, not " + Checker.show(v),
                "write whole numbers");
            continue;
          }
          value = n;
        }
        case DOUBLE -> {
          if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
            c.add(
                item,
                "grid values of a double parameter must be numbers, not " + Checker.show(v),
                "write numbers");
            continue;
          }
          value = v.doubleValue();
        }
        default -> {
          if (!v.isTextual() || !categories.contains(v.asText())) {
            c.add(
                item,
                "grid value " + Checker.show(v) + " is not one of the categorical_values",
                "use values from categorical_values");
            continue;
          }
          value = v.asText();
        }
      }
      if (value instanceof Number num && min != null && max != null) {
        double d = num.doubleValue();
        if (d < min || d > max) {
          c.add(
              item,
              "grid value "
                  + Checker.show(v)
                  + " is outside the bounds ["
                  + fmt(min)
                  + ", "
                  + fmt(max)
                  + "]",
              "use values within the bounds, or widen them");
          continue;
        }
      }
      if (!seen.add(value)) {
        c.add(item, "grid value " + Checker.show(v) + " is listed twice", "list it once");
        continue;
      }
      out.add(value);
    }
    return out;
  }

  static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
