package dev.orchestra.shared.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReportRendererTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant NOW = Instant.parse("2026-11-22T16:00:00Z");
  static final Parameter X = new Parameter("x", ParameterType.DOUBLE, 0.0, 1.0, false, null, null);
  static final Parameter LR =
      new Parameter("lr", ParameterType.DOUBLE, 1e-5, 1e-1, true, null, null);
  static final Parameter OPT =
      new Parameter(
          "optimizer", ParameterType.CATEGORICAL, null, null, false, List.of("adam", "sgd"), null);
  static final Metric LOSS = new Metric("loss", Objective.MINIMIZE, MetricStrategy.OPTIMIZE, null);
  static final Metric ACC =
      new Metric("accuracy", Objective.MAXIMIZE, MetricStrategy.OPTIMIZE, null);

  static ReportInput.Run ok(int n, Map<String, Object> assignments, Map<String, Object> metrics) {
    return new ReportInput.Run(
        "exp-r0000" + n, n, RunStatus.SUCCEEDED, 1, assignments, metrics, null);
  }

  static ReportInput.Run failed(int n, Map<String, Object> assignments, String reason) {
    return new ReportInput.Run("exp-r0000" + n, n, RunStatus.FAILED, 1, assignments, null, reason);
  }

  static ReportInput input(
      List<Metric> metrics, List<Parameter> params, List<ReportInput.Run> runs, List<String> best) {
    return new ReportInput(
        "exp", "demo", ExperimentStatus.SUCCEEDED, null, metrics, params, runs, best, NOW);
  }

  /** The page without the inlined library (1 MB), for readable assertions. */
  static String render(ReportInput in) {
    String html = ReportRenderer.render(in);
    assertThat(html.contains(ReportRenderer.library())).as("the library is inlined").isTrue();
    return html.replace(ReportRenderer.library(), "/* echarts */");
  }

  /** The JSON data block, parsed as the page's script parses it. */
  static JsonNode data(String html) throws Exception {
    Matcher m =
        Pattern.compile(
                "<script type=\"application/json\" id=\"orchestra-data\">(.*?)</script>",
                Pattern.DOTALL)
            .matcher(html);
    assertThat(m.find()).as("the data block").isTrue();
    return JSON.readTree(m.group(1));
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  static List<String> topRunNumbers(String html) {
    String table = html.substring(html.indexOf("<table id=\"top-runs\">"));
    table = table.substring(0, table.indexOf("</table>"));
    List<String> numbers = new ArrayList<>();
    Matcher m =
        Pattern.compile("<tr><td>[^<]*</td><td title=\"[^\"]*\">(\\d+)</td>").matcher(table);
    while (m.find()) {
      numbers.add(m.group(1));
    }
    return numbers;
  }

  @Test
  void render_parameterValueWithScriptEnd_cannotCloseTheScript_andRoundTripsThroughTheJson()
      throws Exception {
    String evil = "</script><script>alert(1)</script><!-- & \u2028";
    Parameter cat =
        new Parameter("p", ParameterType.CATEGORICAL, null, null, false, List.of(evil, "b"), null);
    ReportInput in =
        new ReportInput(
            "exp",
            "<b>\"name\" & 'co'</b>",
            ExperimentStatus.SUCCEEDED,
            null,
            List.of(LOSS),
            List.of(cat),
            List.of(ok(1, Map.of("p", evil), Map.of("loss", 1.0))),
            List.of("exp-r00001"),
            NOW);

    String html = render(in);

    assertThat(html).doesNotContain("<script>alert(1)").doesNotContain("<!-- &");
    assertThat(count(ReportRenderer.render(in).toLowerCase(), "</script"))
        .as("only the data block, the library and the page script end a script")
        .isEqualTo(3);
    assertThat(html).contains("<h1>&lt;b&gt;&quot;name&quot; &amp; &#39;co&#39;&lt;/b&gt;</h1>");
    JsonNode data = data(html);
    assertThat(data.get("runs").get(0).get("assignments").get("p").asText()).isEqualTo(evil);
    assertThat(data.get("parameters").get(0).get("categories").get(0).asText()).isEqualTo(evil);
    assertThat(data.get("experiment").get("name").asText()).isEqualTo("<b>\"name\" & 'co'</b>");
  }

  @Test
  void render_isSelfContained_withTheLibraryInlinedAndNetworkForbidden() {
    String html = render(input(List.of(LOSS), List.of(X), List.of(), List.of()));

    assertThat(html)
        .contains("Content-Security-Policy\" content=\"default-src 'none';")
        .doesNotContain("<script src")
        .doesNotContain("<link")
        .doesNotContain("<img")
        .contains("<script>\n/* echarts */\n</script>");
    assertThat(ReportRenderer.library()).contains("echarts").hasSizeGreaterThan(500_000);
    assertThat(ReportRenderer.libraryVersion()).isEqualTo("5.5.0");
  }

  @Test
  void render_oneMetric_bestSoFarFollowsTheObjective_topRunsRanked_noParetoChart()
      throws Exception {
    List<ReportInput.Run> runs =
        List.of(
            ok(1, Map.of("x", 0.1), Map.of("loss", 3.0)),
            ok(2, Map.of("x", 0.2), Map.of("loss", 1.0)),
            ok(3, Map.of("x", 0.3), Map.of("loss", 2.0)));

    String html =
        ReportRenderer.render(input(List.of(LOSS), List.of(X), runs, List.of("exp-r00002")));

    JsonNode points = data(html).get("progress").get(0).get("points");
    assertThat(points.size()).isEqualTo(3);
    assertThat(
            List.of(
                points.get(0).get(2).asDouble(),
                points.get(1).get(2).asDouble(),
                points.get(2).get(2).asDouble()))
        .as("best-so-far of a minimized metric")
        .containsExactly(3.0, 1.0, 1.0);
    assertThat(html)
        .contains("id=\"chart-progress\"", "id=\"chart-param-0\"", "id=\"chart-parallel\"")
        .doesNotContain("id=\"chart-pareto\"");
    assertThat(topRunNumbers(html)).containsExactly("2", "3", "1");
    assertThat(html).contains("<tr><td>1 ★</td>").contains("No run failed.");
  }

  @Test
  void render_twoMetrics_drawsTheParetoChart_andRanksTheFrontierFirst() throws Exception {
    List<ReportInput.Run> runs =
        List.of(
            ok(1, Map.of("x", 0.1), Map.of("loss", 1.0, "accuracy", 0.5)),
            ok(2, Map.of("x", 0.2), Map.of("loss", 2.0, "accuracy", 0.9)),
            ok(3, Map.of("x", 0.3), Map.of("loss", 3.0, "accuracy", 0.4)),
            ok(4, Map.of("x", 0.4), Map.of("loss", 1.5, "accuracy", 0.6)));
    List<String> frontier = List.of("exp-r00001", "exp-r00002", "exp-r00004");

    String html = render(input(List.of(LOSS, ACC), List.of(X), runs, frontier));

    assertThat(html).contains("id=\"chart-pareto\"", "<h2>Pareto frontier</h2>");
    JsonNode data = data(html);
    assertThat(data.get("optimized").toString()).isEqualTo("[\"loss\",\"accuracy\"]");
    assertThat(data.get("best").toString()).isEqualTo("[1,2,4]");
    assertThat(data.get("progress").size()).isEqualTo(2);
    assertThat(topRunNumbers(html))
        .as("the frontier by loss, then the rest")
        .containsExactly("1", "4", "2", "3");
  }

  @Test
  void render_failedRuns_areListedWithReason_andMarkedInTheData() throws Exception {
    List<ReportInput.Run> runs =
        List.of(
            ok(1, Map.of("x", 0.1), Map.of("loss", 1.0)),
            failed(2, Map.of("x", 0.9), "exit 3"),
            failed(3, null, "heartbeat lost"));

    String html =
        ReportRenderer.render(input(List.of(LOSS), List.of(X), runs, List.of("exp-r00001")));

    assertThat(data(html).get("failed").toString()).isEqualTo("[2,3]");
    String table = html.substring(html.indexOf("<table id=\"failed-runs\">"));
    assertThat(table)
        .contains("<td title=\"exp-r00002\">2</td><td>1</td><td>exit 3</td><td>0.9</td>")
        .contains("<td>heartbeat lost</td>");
    assertThat(topRunNumbers(html)).containsExactly("1");
    assertThat(html).contains("3 issued, 1 succeeded, 2 failed");
  }

  @Test
  void render_categoricalAndLogParameters_carryTheirAxesInTheData() throws Exception {
    List<ReportInput.Run> runs =
        List.of(
            ok(1, Map.of("optimizer", "sgd", "lr", 0.01), Map.of("loss", 1.0)),
            ok(2, Map.of("optimizer", "adam", "lr", 0.001), Map.of("loss", 0.5)));

    String html =
        ReportRenderer.render(input(List.of(LOSS), List.of(OPT, LR), runs, List.of("exp-r00002")));

    JsonNode params = data(html).get("parameters");
    assertThat(params.get(0).get("type").asText()).isEqualTo("categorical");
    assertThat(params.get(0).get("categories").toString()).isEqualTo("[\"adam\",\"sgd\"]");
    assertThat(params.get(1).get("log").asBoolean()).isTrue();
    assertThat(html).contains("id=\"chart-param-0\"", "id=\"chart-param-1\"");
    assertThat(html).contains("<td>adam</td><td>0.001</td>");
  }

  @Test
  void render_zeroFinishedRuns_saysSo_andStillHasEveryChartContainer() throws Exception {
    List<ReportInput.Run> runs =
        List.of(
            new ReportInput.Run(
                "exp-r00001", 1, RunStatus.RUNNING, 1, Map.of("x", 0.5), null, null),
            new ReportInput.Run("exp-r00002", 2, RunStatus.PENDING, 1, null, null, null));
    ReportInput in =
        new ReportInput(
            "exp",
            "demo",
            ExperimentStatus.RUNNING,
            null,
            List.of(LOSS),
            List.of(X),
            runs,
            List.of(),
            NOW);

    String html = render(in);

    assertThat(html)
        .contains("id=\"no-results\"", "No run has succeeded yet.")
        .contains("id=\"chart-progress\"", "id=\"chart-param-0\"", "id=\"chart-parallel\"");
    JsonNode data = data(html);
    assertThat(data.get("progress").get(0).get("points").size()).isZero();
    assertThat(data.get("runs").get(1).get("assignments").size()).isZero();
  }

  @Test
  void render_constraintViolated_isNotRankedNorBest() throws Exception {
    Metric size = new Metric("size", Objective.MINIMIZE, MetricStrategy.CONSTRAINT, 10.0);
    List<ReportInput.Run> runs =
        List.of(
            ok(1, Map.of("x", 0.1), Map.of("loss", 0.1, "size", 50.0)),
            ok(2, Map.of("x", 0.2), Map.of("loss", 2.0, "size", 5.0)));

    String html =
        ReportRenderer.render(input(List.of(LOSS, size), List.of(X), runs, List.of("exp-r00002")));

    assertThat(topRunNumbers(html)).containsExactly("2");
    JsonNode points = data(html).get("progress").get(0).get("points");
    assertThat(points.get(0).get(2).isNull()).as("an infeasible run is no best so far").isTrue();
    assertThat(points.get(1).get(2).asDouble()).isEqualTo(2.0);
  }

  @Test
  void render_nonFiniteMetrics_areLeftOutOfTheData() throws Exception {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("loss", "NaN");
    List<ReportInput.Run> runs =
        List.of(
            new ReportInput.Run(
                "exp-r00001", 1, RunStatus.FAILED, 1, Map.of("x", 0.1), metrics, "loss is NaN"));

    String html = render(input(List.of(LOSS), List.of(X), runs, List.of()));

    assertThat(data(html).get("runs").get(0).get("metrics").size()).isZero();
  }

  @Test
  void number_keepsSixSignificantDigits() {
    assertThat(ReportRenderer.number(0.123456789)).isEqualTo("0.123457");
    assertThat(ReportRenderer.number(42.0)).isEqualTo("42");
    assertThat(ReportRenderer.number(1.5e-7)).isEqualTo("1.50000e-07");
    assertThat(ReportRenderer.number(Double.NaN)).isEqualTo("NaN");
  }
}
