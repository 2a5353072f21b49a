package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import dev.orchestra.shared.search.SearchSpace;
import dev.orchestra.shared.search.SearchType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExperimentConfigTest {

  static final String METRIC = "metrics: [{name: accuracy}]\n";
  static final String PARAM =
      "parameters: [{name: lr, type: double, bounds: {min: 0.001, max: 1}}]\n";

  static Parsed<ExperimentConfig> parse(String yaml) {
    return ConfigParser.parseExperiment("experiment.yml", yaml);
  }

  static String exp(String rest) {
    return "name: e\n" + rest;
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        arguments("minimal", exp(METRIC + PARAM + "budget: 10\n")),
        arguments("metric shorthand", exp("metrics: [accuracy]\n" + PARAM + "budget: 10\n")),
        arguments(
            "two optimized + store + constraint",
            exp(
                "metrics:\n  - {name: a}\n  - {name: b, objective: minimize}\n  - {name: c, strategy: store}\n"
                    + "  - {name: d, strategy: constraint, threshold: 0.5}\n"
                    + PARAM
                    + "budget: 10\n")),
        arguments(
            "int",
            exp(
                METRIC
                    + "parameters: [{name: n, type: int, bounds: {min: 1, max: 8}}]\nbudget: 5\n")),
        arguments(
            "int bounds written 1.0",
            exp(
                METRIC
                    + "parameters: [{name: n, type: int, bounds: {min: 1.0, max: 8}}]\nbudget: 5\n")),
        arguments(
            "categorical strings",
            exp(
                METRIC
                    + "parameters: [{name: opt, type: categorical, categorical_values: [adam, sgd]}]\nbudget: 5\n")),
        arguments(
            "categorical objects",
            exp(
                METRIC
                    + "parameters: [{name: opt, type: categorical, categorical_values: [{name: adam}, {name: sgd}]}]\nbudget: 5\n")),
        arguments(
            "log",
            exp(
                METRIC
                    + "parameters: [{name: lr, type: double, bounds: {min: 1e-5, max: 1}, transformation: log}]\nbudget: 5\n")),
        arguments("random", exp(METRIC + PARAM + "type: random\nbudget: 3\n")),
        arguments(
            "grid without budget",
            exp(
                METRIC
                    + "type: grid\nparameters:\n  - {name: lr, type: double, bounds: {min: 0, max: 1}, grid: [0.1, 0.5]}\n"
                    + "  - {name: n, type: int, bounds: {min: 1, max: 3}}\n  - {name: o, type: categorical, categorical_values: [a, b]}\n")),
        arguments(
            "extensions",
            exp(
                METRIC
                    + PARAM
                    + "budget: 4\ncluster: my-cluster\nmax_run_minutes: 30\nmax_failed_runs: 2\nparallel_bandwidth: 4\n")),
        arguments("pool", exp(METRIC + PARAM + "budget: 4\npool: gpu-pool\n")),
        arguments(
            "embedded run",
            exp(
                METRIC
                    + PARAM
                    + "budget: 4\nrun:\n  run: python train.py\n  resources: {gpus: 1}\n")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parse_whenValid_returnsModel(String name, String yaml) {
    Parsed<ExperimentConfig> p = parse(yaml);
    assertThat(p.findings()).isEmpty();
    assertThat(p.value()).isNotNull();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments(METRIC + PARAM + "budget: 3\n", "name", "name is required", "add name"),
        arguments(exp(PARAM + "budget: 3\n"), "metrics", "metrics is required", "add metrics"),
        arguments(
            exp("metrics: []\n" + PARAM + "budget: 3\n"),
            "metrics",
            "metrics is an empty list",
            "add a metric"),
        arguments(
            exp("metrics: [{objective: maximize}]\n" + PARAM + "budget: 3\n"),
            "metrics[0].name",
            "name is required",
            "add name"),
        arguments(
            exp("metrics: [{name: a, objective: max}]\n" + PARAM + "budget: 3\n"),
            "metrics[0].objective",
            "must be one of maximize, minimize, not 'max'",
            "did you mean maximize?"),
        arguments(
            exp("metrics: [{name: a, strategy: optimise}]\n" + PARAM + "budget: 3\n"),
            "metrics[0].strategy",
            "must be one of optimize, store, constraint",
            "did you mean optimize?"),
        arguments(
            exp("metrics: [{name: a}, {name: b, strategy: constraint}]\n" + PARAM + "budget: 3\n"),
            "metrics[1].threshold",
            "a constraint metric needs a threshold",
            "add threshold"),
        arguments(
            exp("metrics: [{name: a, threshold: high}]\n" + PARAM + "budget: 3\n"),
            "metrics[0].threshold",
            "threshold must be a number, not a string ('high')",
            "threshold: 0.9"),
        arguments(
            exp("metrics: [a, b, c]\n" + PARAM + "budget: 3\n"),
            "metrics",
            "3 metrics are optimized; at most two",
            "strategy: store"),
        arguments(
            exp("metrics: [{name: a, strategy: store}]\n" + PARAM + "budget: 3\n"),
            "metrics",
            "no metric is optimized",
            "strategy: optimize"),
        arguments(
            exp("metrics: [a, {name: a, strategy: store}]\n" + PARAM + "budget: 3\n"),
            "metrics[1].name",
            "'a' is also used by metrics[0]",
            "different name"),
        arguments(
            exp("metrics: [{name: a, goal: max}]\n" + PARAM + "budget: 3\n"),
            "metrics[0].goal",
            "unknown field 'goal'",
            "remove it; the known fields here are name, objective, strategy, threshold"),
        arguments(
            exp(METRIC + "budget: 3\n"), "parameters", "parameters is required", "add parameters"),
        arguments(
            exp(METRIC + "parameters: []\nbudget: 3\n"),
            "parameters",
            "parameters is an empty list",
            "add a parameter"),
        arguments(
            exp(METRIC + "parameters: [{name: x, bounds: {min: 0, max: 1}}]\nbudget: 3\n"),
            "parameters[0].type",
            "type is required",
            "type: double"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: float, bounds: {min: 0, max: 1}}]\nbudget: 3\n"),
            "parameters[0].type",
            "must be one of double, int, categorical, not 'float'",
            "type: double"),
        arguments(
            exp(METRIC + "parameters: [{name: x, type: double}]\nbudget: 3\n"),
            "parameters[0].bounds",
            "bounds is required",
            "add bounds"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 1, max: 1}}]\nbudget: 3\n"),
            "parameters[0].bounds.min",
            "bounds.min (1) must be below bounds.max (1)",
            "swap"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: '1'}}]\nbudget: 3\n"),
            "parameters[0].bounds.max",
            "max must be a number, not a string ('1')",
            "max: 1"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, maximum: 1}}]\nbudget: 3\n"),
            "parameters[0].bounds.maximum",
            "unknown field",
            "did you mean max?"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: int, bounds: {min: 0.5, max: 3}}]\nbudget: 3\n"),
            "parameters[0].bounds.min",
            "min must be a whole number, not a number (0.5)",
            "min: 1"),
        arguments(
            exp(METRIC + "parameters: [{name: x, type: categorical}]\nbudget: 3\n"),
            "parameters[0].categorical_values",
            "categorical_values is required",
            "add categorical_values"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: categorical, categorical_values: [a, a]}]\nbudget: 3\n"),
            "parameters[0].categorical_values[1]",
            "'a' is listed twice",
            "once"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: categorical, categorical_values: [a, 1]}]\nbudget: 3\n"),
            "parameters[0].categorical_values[1]",
            "must be a string, not a number",
            "quote it: '1'"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: categorical, categorical_values: [{value: a}]}]\nbudget: 3\n"),
            "parameters[0].categorical_values[0].value",
            "unknown field 'value'",
            "the known fields here are name"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: categorical, categorical_values: [a], bounds: {min: 0, max: 1}}]\nbudget: 3\n"),
            "parameters[0].bounds",
            "bounds are for double and int parameters",
            "remove bounds"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}, categorical_values: [a]}]\nbudget: 3\n"),
            "parameters[0].categorical_values",
            "categorical_values are for categorical parameters",
            "type: categorical"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}, transformation: log}]\nbudget: 3\n"),
            "parameters[0].transformation",
            "log needs bounds.min above 0, not 0",
            "raise bounds.min"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 1, max: 2}, transformation: sqrt}]\nbudget: 3\n"),
            "parameters[0].transformation",
            "must be one of log, not 'sqrt'",
            "transformation: log"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: categorical, categorical_values: [a], transformation: log}]\nbudget: 3\n"),
            "parameters[0].transformation",
            "needs a double or int parameter",
            "remove transformation"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}, {name: x, type: int, bounds: {min: 0, max: 1}}]\nbudget: 3\n"),
            "parameters[1].name",
            "'x' is also used by parameters[0]",
            "different name"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: learning-rate, type: double, bounds: {min: 0, max: 1}}, {name: Learning_Rate, type: double, bounds: {min: 0, max: 1}}]\nbudget: 3\n"),
            "parameters[1].name",
            "'learning-rate' and 'Learning_Rate' both become the environment variable ORCHESTRA_PARAM_LEARNING_RATE",
            "rename one"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}, grid: [0.5, 2]}]\nbudget: 3\n"),
            "parameters[0].grid[1]",
            "grid value 2 is outside the bounds [0, 1]",
            "within the bounds"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: int, bounds: {min: 0, max: 9}, grid: [1, 2.5]}]\nbudget: 3\n"),
            "parameters[0].grid[1]",
            "must be whole numbers, not 2.5",
            "whole numbers"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: categorical, categorical_values: [a, b], grid: [a, c]}]\nbudget: 3\n"),
            "parameters[0].grid[1]",
            "'c' is not one of the categorical_values",
            "categorical_values"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1}, grid: []}]\nbudget: 3\n"),
            "parameters[0].grid",
            "grid is an empty list",
            "remove grid"),
        arguments(
            exp(METRIC + PARAM + "type: bayesian\nbudget: 3\n"),
            "type",
            "must be one of offline, random, grid, not 'bayesian'",
            "type: offline"),
        arguments(exp(METRIC + PARAM), "budget", "budget is required", "budget: 50"),
        arguments(
            exp(METRIC + PARAM + "budget: 0\n"),
            "budget",
            "budget must be between 1 and 1000000, not 0",
            "budget: 50"),
        arguments(
            exp(METRIC + PARAM + "budget: 2.5\n"),
            "budget",
            "budget must be a whole number",
            "budget: 50"),
        arguments(
            exp(METRIC + PARAM + "type: grid\n"),
            "parameters[0].grid",
            "a double parameter in a grid experiment needs grid values",
            "grid: [0.001, 0.01, 0.1]"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: n, type: int, bounds: {min: 0, max: 10000}}]\ntype: grid\n"),
            "parameters[0].bounds",
            "10001 values, above the grid limit of 10000",
            "narrow the bounds"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nparallel_bandwidth: 0\n"),
            "parallel_bandwidth",
            "between 1 and 100000, not 0",
            "parallel_bandwidth: 2"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nmax_failed_runs: 0\n"),
            "max_failed_runs",
            "between 1 and 100000, not 0",
            "max_failed_runs: 5"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\ncluster: a\npool: b\n"),
            "pool",
            "cluster and pool are both set",
            "remove one"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\ncluster: 'my cluster'\n"),
            "cluster",
            "not a valid EKS cluster name",
            "my-cluster"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nmax_run_minutes: 0\n"),
            "max_run_minutes",
            "must be above 0",
            "max_run_minutes: 120"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nmax_run_minutes: soon\n"),
            "max_run_minutes",
            "must be a number, not a string ('soon')",
            "max_run_minutes: 120"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nbudjet: 4\n"),
            "budjet",
            "unknown field 'budjet'",
            "did you mean budget?"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nconditionals: []\n"),
            "conditionals",
            "not supported by Orchestra",
            "remove conditionals"),
        arguments(
            exp(
                METRIC
                    + "parameters: [{name: x, type: double, bounds: {min: 0, max: 1},"
                    + " prior: {name: normal}}]\nbudget: 3\n"),
            "parameters[0].prior",
            "priors are not supported by Orchestra",
            "remove prior"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nmetadata: {owner: me}\n"),
            "metadata",
            "not kept by Orchestra",
            "remove metadata"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nrun: {resources: {gpus: 0.5}}\n"),
            "run.resources.gpus",
            "whole number of GPUs",
            "gpus: 1"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nrun: {resources: {gpus: 1}}\n"),
            "run.run",
            "run is required",
            "run: python model.py"),
        arguments(
            exp(METRIC + PARAM + "budget: 3\nrun: python x.py\n"),
            "run",
            "run must be a mapping, not a string",
            "run: {run: python model.py}"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("invalid")
  void parse_whenInvalid_reportsPathProblemAndFix(
      String yaml, String path, String problem, String fix) {
    Parsed<ExperimentConfig> p = parse(yaml);
    assertThat(p.value()).isNull();
    assertThat(p.findings())
        .anySatisfy(
            f -> {
              assertThat(f.file()).isEqualTo("experiment.yml");
              assertThat(f.path()).isEqualTo(path);
              assertThat(f.problem()).contains(problem);
              assertThat(f.fix()).contains(fix);
            });
  }

  @Test
  void defaults_areSigOpts() {
    ExperimentConfig e = parse(exp("metrics: [{name: acc}]\n" + PARAM + "budget: 7\n")).value();
    assertThat(e.type()).isEqualTo(SearchType.OFFLINE);
    assertThat(e.parallelBandwidth()).isEqualTo(1);
    assertThat(e.maxFailedRuns()).isNull();
    assertThat(e.effectiveMaxFailedRuns()).isEqualTo(4);
    assertThat(e.metrics())
        .containsExactly(new Metric("acc", Objective.MAXIMIZE, MetricStrategy.OPTIMIZE, null));
  }

  static Stream<Arguments> maxFailed() {
    return Stream.of(
        arguments(1, null, 1L),
        arguments(2, null, 1L),
        arguments(3, null, 2L),
        arguments(60, null, 30L),
        arguments(61, null, 31L),
        arguments(60, 5, 5L));
  }

  @ParameterizedTest
  @MethodSource("maxFailed")
  void maxFailedRuns_defaultsToHalfTheBudgetRoundedUp(int budget, Integer written, long expected) {
    String extra = written == null ? "" : "max_failed_runs: " + written + "\n";
    ExperimentConfig e = parse(exp(METRIC + PARAM + "budget: " + budget + "\n" + extra)).value();
    assertThat(e.effectiveMaxFailedRuns()).isEqualTo(expected);
  }

  @Test
  void searchSpace_typesValuesByParameterType() {
    ExperimentConfig e =
        parse(
                exp(
                    "metrics: [{name: loss, objective: minimize}, {name: t, strategy: constraint, threshold: 3}]\n"
                        + "type: grid\nbudget: 100\nparameters:\n"
                        + "  - {name: lr, type: double, bounds: {min: 0.0001, max: 1}, transformation: log, grid: [0.001, 0.1]}\n"
                        + "  - {name: layers, type: int, bounds: {min: 1, max: 4}, grid: [1, 4]}\n"
                        + "  - {name: opt, type: categorical, categorical_values: [{name: adam}, sgd]}\n"
                        + "  - {name: depth, type: int, bounds: {min: 2, max: 4}}\n"))
            .value();
    SearchSpace space = e.searchSpace();
    assertThat(space.parameters())
        .containsExactly(
            new Parameter(
                "lr", ParameterType.DOUBLE, 0.0001, 1.0, true, List.of(), List.of(0.001, 0.1)),
            new Parameter("layers", ParameterType.INT, 1.0, 4.0, false, List.of(), List.of(1L, 4L)),
            new Parameter(
                "opt",
                ParameterType.CATEGORICAL,
                null,
                null,
                false,
                List.of("adam", "sgd"),
                List.of()),
            new Parameter("depth", ParameterType.INT, 2.0, 4.0, false, List.of(), List.of()));
    assertThat(space.metrics())
        .containsExactly(
            new Metric("loss", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null),
            new Metric("t", Objective.MAXIMIZE, MetricStrategy.CONSTRAINT, 3.0));
    assertThat(e.gridSize()).isEqualTo(2 * 2 * 2 * 3);
    assertThat(e.runCount()).isEqualTo(24);
    assertThat(e.optimizedMetrics()).extracting(Metric::name).containsExactly("loss");
  }

  @Test
  void grid_withSmallerBudget_runsTheBudget() {
    ExperimentConfig e =
        parse(
                exp(
                    METRIC
                        + "type: grid\nbudget: 3\nparameters: [{name: n, type: int, bounds: {min: 1, max: 10}}]\n"))
            .value();
    assertThat(e.gridSize()).isEqualTo(10);
    assertThat(e.runCount()).isEqualTo(3);
    assertThat(e.effectiveMaxFailedRuns()).isEqualTo(2);
  }

  @Test
  void embeddedRun_isValidatedAsRunYml_andRedacted() {
    ExperimentConfig e =
        parse(
                exp(
                    METRIC
                        + PARAM
                        + "budget: 2\nrun:\n  run: [python, t.py]\n  aws: {aws_access_key_id: AKIAEMB, aws_secret_access_key: EMBSECRET}\n"))
            .value();
    assertThat(e.run().run().args()).containsExactly("python", "t.py");
    assertThat(e.run().aws().secretAccessKey()).isEqualTo("EMBSECRET");
    assertThat(e.toString()).doesNotContain("EMBSECRET").doesNotContain("AKIAEMB");
    assertThat(e.redacted().run().aws()).isNull();
    assertThat(ConfigWriter.toYaml(e)).doesNotContain("EMBSECRET");
  }
}
