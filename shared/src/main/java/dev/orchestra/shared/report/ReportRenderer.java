package dev.orchestra.shared.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.RunStatus;
import dev.orchestra.shared.search.Best;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.Observation;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders an experiment report: one self-contained HTML file that fetches nothing from the network
 * (its Content-Security-Policy forbids it). Apache ECharts, read from the {@code
 * org.webjars:echarts} jar, is inlined; the data travels as JSON in a {@code <script
 * type="application/json">} block with every {@code <}, {@code >} and {@code &} escaped, so no
 * value can close the script.
 *
 * <p>Charts: best-so-far against run number, each parameter against the optimized metric(s),
 * parallel coordinates, and the Pareto frontier when two metrics are optimized; failed runs are
 * marked in red in every chart and listed. Tables (plain HTML, readable without scripts): the top
 * runs ranked by the objective, and the failed runs.
 *
 * <p>For tests, the page records what happened: every chart container gets {@code
 * data-drawn="true"} once ECharts reports {@code finished}; a chart that throws gets {@code
 * data-error}, and every error (also uncaught ones) lands in {@code window.__orchestraErrors}; the
 * body's {@code data-report-errors} holds their count and {@code data-report-ready="true"} is set
 * once every chart was attempted.
 */
public final class ReportRenderer {
  private ReportRenderer() {}

  /** Rows in the top-runs table. */
  public static final int TOP_RUNS = 10;

  /** The id of the JSON data block. */
  public static final String DATA_ID = "orchestra-data";

  /** The class every chart container carries. */
  public static final String CHART_CLASS = "chart";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SCRIPT_END = Pattern.compile("(?i)</script");

  public static String render(ReportInput in) {
    Map<String, Object> model = model(in);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> ranked = (List<Map<String, Object>>) model.get("top");
    @SuppressWarnings("unchecked")
    List<String> optimized = (List<String>) model.get("optimized");
    StringBuilder h = new StringBuilder(1 << 20);
    String title = "Orchestra report: " + in.name() + " (" + in.experimentId() + ")";
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
                + " script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>")
        .append(html(title))
        .append("</title>\n<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body data-report-ready=\"false\" data-report-errors=\"0\">\n");

    h.append("<header><h1>").append(html(in.name())).append("</h1>\n<dl class=\"summary\">");
    term(h, "experiment", in.experimentId());
    term(h, "status", in.status().wire());
    term(h, "runs", counts(in));
    term(h, "optimized", optimizedText(in));
    term(h, "parameters", Integer.toString(in.parameters().size()));
    term(h, "generated", in.generatedAt().toString());
    if (in.error() != null) {
      term(h, "error", in.error());
    }
    h.append("</dl></header>\n<main>\n");
    if (finished(in) == 0) {
      h.append("<p class=\"notice\" id=\"no-results\">No run has finished yet: the charts fill in")
          .append(" as runs report.</p>\n");
    }

    h.append("<section><h2>Best so far</h2>\n");
    chart(h, "chart-progress", "progress");
    h.append("</section>\n<section><h2>Parameters against ")
        .append(html(String.join(" and ", optimized)))
        .append("</h2>\n<div class=\"grid\">\n");
    for (int i = 0; i < in.parameters().size(); i++) {
      chart(h, "chart-param-" + i, "parameter");
    }
    h.append("</div></section>\n<section><h2>Parallel coordinates</h2>\n");
    chart(h, "chart-parallel", "parallel");
    h.append("</section>\n");
    if (optimized.size() == 2) {
      h.append("<section><h2>Pareto frontier</h2>\n");
      chart(h, "chart-pareto", "pareto");
      h.append("</section>\n");
    }

    topRuns(h, in, ranked, optimized);
    failedRuns(h, in);
    h.append("</main>\n<script type=\"application/json\" id=\"")
        .append(DATA_ID)
        .append("\">")
        .append(scriptSafe(json(model)))
        .append("</script>\n<script>\n")
        .append(library())
        .append("\n</script>\n<script>\n")
        .append(PAGE_SCRIPT)
        .append("</script>\n</body>\n</html>\n");
    return h.toString();
  }

  /** The data the page's script draws from; package-private for tests. */
  static Map<String, Object> model(ReportInput in) {
    List<Metric> optimized = optimizedMetrics(in.metrics());
    Set<String> best = new HashSet<>(in.best());
    List<ReportInput.Run> runs =
        in.runs().stream().sorted(Comparator.comparingInt(ReportInput.Run::number)).toList();

    List<Map<String, Object>> runRows = new ArrayList<>();
    List<ReportInput.Run> feasible = new ArrayList<>();
    Set<Integer> feasibleNumbers = new HashSet<>();
    for (ReportInput.Run r : runs) {
      Map<String, Double> values = Accounting.numericMetrics(r.metrics());
      boolean isFeasible =
          r.status() == RunStatus.SUCCEEDED
              && r.assignments() != null
              && Best.isFeasible(in.metrics(), new Observation(r.assignments(), values, false));
      if (isFeasible) {
        feasible.add(r);
        feasibleNumbers.add(r.number());
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("number", r.number());
      row.put("run_id", r.runId());
      row.put("status", r.status().wire());
      row.put("attempt", r.attempt());
      row.put("assignments", r.assignments() == null ? Map.of() : r.assignments());
      row.put("metrics", values);
      row.put("reason", r.reason());
      row.put("feasible", isFeasible);
      row.put("best", best.contains(r.runId()));
      runRows.add(row);
    }

    List<Map<String, Object>> progress = new ArrayList<>();
    for (Metric m : optimized) {
      List<List<Object>> points = new ArrayList<>();
      Double bestSoFar = null;
      for (ReportInput.Run r : runs) {
        if (r.status() != RunStatus.SUCCEEDED) {
          continue;
        }
        Double v = Accounting.numericMetrics(r.metrics()).get(m.name());
        if (v == null) {
          continue;
        }
        if (feasibleNumbers.contains(r.number())
            && (bestSoFar == null
                || (m.objective() == Objective.MAXIMIZE ? v > bestSoFar : v < bestSoFar))) {
          bestSoFar = v;
        }
        List<Object> point = new ArrayList<>();
        point.add(r.number());
        point.add(v);
        point.add(bestSoFar);
        points.add(point);
      }
      Map<String, Object> series = new LinkedHashMap<>();
      series.put("metric", m.name());
      series.put("objective", m.objective().name().toLowerCase(Locale.ROOT));
      series.put("points", points);
      progress.add(series);
    }

    List<Map<String, Object>> top = rank(feasible, optimized, best);

    Map<String, Object> model = new LinkedHashMap<>();
    Map<String, Object> experiment = new LinkedHashMap<>();
    experiment.put("id", in.experimentId());
    experiment.put("name", in.name());
    experiment.put("status", in.status().wire());
    model.put("experiment", experiment);
    model.put("metrics", in.metrics().stream().map(ReportRenderer::metric).toList());
    model.put("optimized", optimized.stream().map(Metric::name).toList());
    model.put("parameters", in.parameters().stream().map(ReportRenderer::parameter).toList());
    model.put("runs", runRows);
    model.put("progress", progress);
    model.put(
        "failed",
        runs.stream().filter(r -> r.status() == RunStatus.FAILED).map(r -> r.number()).toList());
    model.put(
        "best", runs.stream().filter(r -> best.contains(r.runId())).map(r -> r.number()).toList());
    model.put("top", top);
    return model;
  }

  /**
   * Feasible runs, best first: by the first optimized metric's objective; with two optimized
   * metrics the Pareto frontier ({@code best}) comes first.
   */
  private static List<Map<String, Object>> rank(
      List<ReportInput.Run> feasible, List<Metric> optimized, Set<String> best) {
    if (optimized.isEmpty()) {
      return List.of();
    }
    Metric first = optimized.get(0);
    Comparator<ReportInput.Run> byLoss =
        Comparator.comparingDouble(
            r -> {
              double v = Accounting.numericMetrics(r.metrics()).get(first.name());
              return first.objective() == Objective.MAXIMIZE ? -v : v;
            });
    Comparator<ReportInput.Run> order =
        optimized.size() > 1
            ? Comparator.<ReportInput.Run, Boolean>comparing(r -> !best.contains(r.runId()))
                .thenComparing(byLoss)
            : byLoss;
    List<Map<String, Object>> top = new ArrayList<>();
    int rank = 0;
    for (ReportInput.Run r :
        feasible.stream().sorted(order.thenComparingInt(ReportInput.Run::number)).toList()) {
      if (++rank > TOP_RUNS) {
        break;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("rank", rank);
      row.put("number", r.number());
      row.put("run_id", r.runId());
      row.put("best", best.contains(r.runId()));
      row.put("assignments", r.assignments());
      row.put("metrics", Accounting.numericMetrics(r.metrics()));
      top.add(row);
    }
    return top;
  }

  private static List<Metric> optimizedMetrics(List<Metric> metrics) {
    List<Metric> optimized =
        metrics.stream().filter(m -> m.strategy() == MetricStrategy.OPTIMIZE).toList();
    if (optimized.isEmpty() && !metrics.isEmpty()) {
      return List.of(metrics.get(0));
    }
    return optimized;
  }

  private static Map<String, Object> metric(Metric m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", m.name());
    out.put("objective", m.objective().name().toLowerCase(Locale.ROOT));
    out.put("strategy", m.strategy().name().toLowerCase(Locale.ROOT));
    out.put("threshold", m.threshold());
    return out;
  }

  private static Map<String, Object> parameter(Parameter p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", p.name());
    out.put("type", p.type().name().toLowerCase(Locale.ROOT));
    out.put("min", p.min());
    out.put("max", p.max());
    out.put("log", p.log());
    out.put("categories", p.type() == ParameterType.CATEGORICAL ? categories(p) : List.of());
    return out;
  }

  private static List<String> categories(Parameter p) {
    if (!p.categories().isEmpty()) {
      return p.categories();
    }
    return p.grid().stream().map(String::valueOf).toList();
  }

  private static void topRuns(
      StringBuilder h, ReportInput in, List<Map<String, Object>> ranked, List<String> optimized) {
    h.append("<section><h2>Top runs</h2>\n");
    if (ranked.isEmpty()) {
      h.append("<p class=\"notice\">No run has succeeded")
          .append(
              in.metrics().stream().anyMatch(m -> m.strategy() == MetricStrategy.CONSTRAINT)
                  ? " within its constraints"
                  : "")
          .append(" yet.</p>\n</section>\n");
      return;
    }
    h.append("<p>Ranked by ")
        .append(html(optimized.get(0)))
        .append(" (")
        .append(html(objective(in, optimized.get(0))))
        .append(")")
        .append(optimized.size() > 1 ? ", the Pareto frontier first" : "")
        .append("; ★ marks ")
        .append(optimized.size() > 1 ? "the frontier" : "the best run")
        .append(".</p>\n<table id=\"top-runs\">\n<thead><tr><th>rank</th><th>run</th>");
    for (Metric m : in.metrics()) {
      h.append("<th class=\"metric\">").append(html(m.name())).append("</th>");
    }
    for (Parameter p : in.parameters()) {
      h.append("<th>").append(html(p.name())).append("</th>");
    }
    h.append("</tr></thead>\n<tbody>\n");
    for (Map<String, Object> row : ranked) {
      @SuppressWarnings("unchecked")
      Map<String, Double> metrics = (Map<String, Double>) row.get("metrics");
      @SuppressWarnings("unchecked")
      Map<String, Object> assignments = (Map<String, Object>) row.get("assignments");
      h.append("<tr><td>")
          .append(row.get("rank"))
          .append(Boolean.TRUE.equals(row.get("best")) ? " ★" : "")
          .append("</td><td title=\"")
          .append(html((String) row.get("run_id")))
          .append("\">")
          .append(row.get("number"))
          .append("</td>");
      for (Metric m : in.metrics()) {
        h.append("<td class=\"num\">").append(value(metrics.get(m.name()))).append("</td>");
      }
      for (Parameter p : in.parameters()) {
        h.append("<td>").append(value(assignments.get(p.name()))).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  private static void failedRuns(StringBuilder h, ReportInput in) {
    List<ReportInput.Run> failed =
        in.runs().stream()
            .filter(r -> r.status() == RunStatus.FAILED)
            .sorted(Comparator.comparingInt(ReportInput.Run::number))
            .toList();
    h.append("<section><h2>Failed runs</h2>\n");
    if (failed.isEmpty()) {
      h.append("<p class=\"notice\">No run failed.</p>\n</section>\n");
      return;
    }
    h.append("<p>Marked <span class=\"failed\">▲ in red</span> in the charts.</p>\n")
        .append("<table id=\"failed-runs\">\n<thead><tr><th>run</th><th>attempts</th>")
        .append("<th>reason</th>");
    for (Parameter p : in.parameters()) {
      h.append("<th>").append(html(p.name())).append("</th>");
    }
    h.append("</tr></thead>\n<tbody>\n");
    for (ReportInput.Run r : failed) {
      h.append("<tr><td title=\"")
          .append(html(r.runId()))
          .append("\">")
          .append(r.number())
          .append("</td><td>")
          .append(r.attempt())
          .append("</td><td>")
          .append(html(r.reason() == null ? "" : r.reason()))
          .append("</td>");
      for (Parameter p : in.parameters()) {
        h.append("<td>")
            .append(value(r.assignments() == null ? null : r.assignments().get(p.name())))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  private static String objective(ReportInput in, String metric) {
    return in.metrics().stream()
        .filter(m -> m.name().equals(metric))
        .map(m -> m.objective().name().toLowerCase(Locale.ROOT))
        .findFirst()
        .orElse("");
  }

  private static long finished(ReportInput in) {
    return in.runs().stream().filter(r -> r.status().isFinal()).count();
  }

  private static String counts(ReportInput in) {
    Map<RunStatus, Long> by = new LinkedHashMap<>();
    for (ReportInput.Run r : in.runs()) {
      by.merge(r.status(), 1L, Long::sum);
    }
    StringBuilder s = new StringBuilder().append(in.runs().size()).append(" issued");
    by.forEach((status, n) -> s.append(", ").append(n).append(' ').append(status.wire()));
    return s.toString();
  }

  private static String optimizedText(ReportInput in) {
    List<String> parts = new ArrayList<>();
    for (Metric m : optimizedMetrics(in.metrics())) {
      parts.add(m.name() + " (" + m.objective().name().toLowerCase(Locale.ROOT) + ")");
    }
    return parts.isEmpty() ? "no metric" : String.join(", ", parts);
  }

  private static void term(StringBuilder h, String name, String value) {
    h.append("<dt>").append(html(name)).append("</dt><dd>").append(html(value)).append("</dd>");
  }

  private static void chart(StringBuilder h, String id, String kind) {
    h.append("<div class=\"")
        .append(CHART_CLASS)
        .append("\" id=\"")
        .append(id)
        .append("\" data-kind=\"")
        .append(kind)
        .append("\" data-drawn=\"false\"></div>\n");
  }

  private static String value(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double d) {
      return html(number(d));
    }
    if (v instanceof Float f) {
      return html(number(f.doubleValue()));
    }
    return html(String.valueOf(v));
  }

  /** Six significant digits, without exponent for everyday magnitudes. */
  static String number(double d) {
    if (!Double.isFinite(d)) {
      return Double.toString(d);
    }
    double a = Math.abs(d);
    if (a != 0 && (a < 1e-4 || a >= 1e9)) {
      return String.format(Locale.ROOT, "%.5e", d);
    }
    return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }

  /** Text as HTML text or attribute value. */
  static String html(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * JSON made safe inside a script element: {@code <}, {@code >} and {@code &} only occur inside
   * JSON strings, where their {@code \}{@code u} escapes mean the same; U+2028/2029 likewise.
   */
  static String scriptSafe(String json) {
    return json.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029");
  }

  private static String json(Object model) {
    try {
      return JSON.writeValueAsString(model);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("report data does not serialize: " + e.getMessage(), e);
    }
  }

  /** The ECharts library text, read once per JVM from the WebJar. */
  static String library() {
    return Library.JS;
  }

  /** The ECharts version inlined. */
  public static String libraryVersion() {
    return Library.VERSION;
  }

  private static final class Library {
    static final String VERSION = version();
    static final String JS = load(VERSION);

    private static String version() {
      Properties p = new Properties();
      try (InputStream in = resource("META-INF/maven/org.webjars/echarts/pom.properties")) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p.getProperty("version");
    }

    private static String load(String version) {
      try (InputStream in =
          resource("META-INF/resources/webjars/echarts/" + version + "/echarts.min.js")) {
        String js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        // Never the case in a released build, but a "</script" would end the inline script.
        return SCRIPT_END.matcher(js).replaceAll("<\\\\/script");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static InputStream resource(String name) {
      InputStream in = ReportRenderer.class.getClassLoader().getResourceAsStream(name);
      if (in == null) {
        throw new IllegalStateException(
            name
                + " is not on the classpath: the report needs the org.webjars:echarts jar"
                + " (a dependency of orchestra-shared)");
      }
      return in;
    }
  }

  private static final String CSS =
      """
      body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 24px 48px;
             color: #1f2328; }
      h1 { margin: 20px 0 8px; } h2 { margin: 28px 0 8px; font-size: 18px; }
      .summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0; }
      .summary dt { color: #59636e; } .summary dd { margin: 0; }
      .chart { width: 100%; height: 360px; }
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
              gap: 12px; }
      .grid .chart { height: 300px; }
      .notice { color: #59636e; font-style: italic; }
      .failed { color: #d62728; }
      table { border-collapse: collapse; } th, td { padding: 4px 10px; text-align: left; }
      thead th { border-bottom: 2px solid #d0d7de; } tbody tr:nth-child(odd) { background: #f6f8fa; }
      td.num { font-variant-numeric: tabular-nums; }
      """;

  private static final String PAGE_SCRIPT =
      """
      (function () {
        'use strict';
        var errors = window.__orchestraErrors = window.__orchestraErrors || [];
        function fail(where, e) {
          errors.push(where + ': ' + (e && e.message ? e.message : String(e)));
          document.body.setAttribute('data-report-errors', String(errors.length));
        }
        window.addEventListener('error', function (ev) { fail('page', ev.error || ev.message); });
        window.addEventListener('unhandledrejection', function (ev) { fail('page', ev.reason); });

        var RED = '#d62728', BLUE = '#1f77b4', GOLD = '#ff7f0e';
        var data = JSON.parse(document.getElementById('orchestra-data').textContent);
        var runs = data.runs, optimized = data.optimized;
        var succeeded = runs.filter(function (r) { return r.status === 'succeeded'; });
        var failed = runs.filter(function (r) { return r.status === 'failed'; });
        var charts = [];

        function draw(id, build) {
          var el = document.getElementById(id);
          if (!el) { return; }
          try {
            var chart = echarts.init(el, null, { renderer: 'svg' });
            chart.on('finished', function () { el.setAttribute('data-drawn', 'true'); });
            var option = build();
            // Progressive rendering draws big series over many frames, and headless Chromium's
            // virtual time never finishes it: draw every series at once.
            (option.series || []).forEach(function (s) { s.progressive = 0; });
            chart.setOption(option);
            charts.push(chart);
          } catch (e) {
            el.setAttribute('data-error', String(e && e.message ? e.message : e));
            fail(id, e);
          }
        }
        function paramAxis(p, extra) {
          var axis = { name: p.name, nameLocation: 'middle', nameGap: 28 };
          if (p.type === 'categorical') {
            axis.type = 'category';
            axis.data = p.categories.slice();
          } else {
            axis.type = p.log ? 'log' : 'value';
            axis.scale = true;
          }
          return Object.assign(axis, extra || {});
        }
        function paramValue(p, v) {
          return p.type === 'categorical' ? String(v) : v;
        }
        function metricRange(name) {
          var vs = succeeded.map(function (r) { return r.metrics[name]; })
              .filter(function (v) { return typeof v === 'number'; });
          if (vs.length === 0) { return [0, 1]; }
          return [Math.min.apply(null, vs), Math.max.apply(null, vs)];
        }
        var tooltipRun = function (r) {
          var lines = ['run ' + r.number + ' (' + r.status + ')'];
          Object.keys(r.assignments).forEach(function (k) { lines.push(k + ' = ' + r.assignments[k]); });
          Object.keys(r.metrics).forEach(function (k) { lines.push(k + ': ' + r.metrics[k]); });
          if (r.reason) { lines.push('reason: ' + r.reason); }
          return lines.map(function (l) { return echarts.format.encodeHTML(l); }).join('<br>');
        };

        draw('chart-progress', function () {
          var series = [], yAxis = [];
          data.progress.forEach(function (p, i) {
            yAxis.push({ type: 'value', scale: true, name: p.metric + ' (' + p.objective + ')',
                         position: i === 0 ? 'left' : 'right' });
            series.push({ name: p.metric, type: 'scatter', yAxisIndex: i, symbolSize: 7,
                          data: p.points.map(function (q) { return [q[0], q[1]]; }) });
            series.push({ name: 'best ' + p.metric + ' so far', type: 'line', step: 'end',
                          yAxisIndex: i, showSymbol: false,
                          data: p.points.filter(function (q) { return q[2] !== null; })
                                        .map(function (q) { return [q[0], q[2]]; }) });
          });
          if (yAxis.length === 0) { yAxis.push({ type: 'value' }); }
          series.push({ name: 'failed', type: 'scatter', symbol: 'triangle', symbolSize: 11,
                        itemStyle: { color: RED }, yAxisIndex: 0,
                        data: failed.map(function (r) {
                          return [r.number, data.progress.length ? metricRange(data.progress[0].metric)[0] : 0];
                        }),
                        markLine: { symbol: 'none', silent: true,
                                    lineStyle: { color: RED, type: 'dashed', opacity: 0.5 },
                                    label: { show: false },
                                    data: failed.map(function (r) { return { xAxis: r.number }; }) } });
          return { animation: false, legend: { top: 0 }, grid: { left: 70, right: 70, top: 40 },
                   tooltip: { trigger: 'item' },
                   xAxis: { type: 'value', name: 'run number', nameLocation: 'middle', nameGap: 28,
                            minInterval: 1, min: 0, max: Math.max(1, runs.length) + 1 },
                   yAxis: yAxis, series: series };
        });

        data.parameters.forEach(function (p, pi) {
          draw('chart-param-' + pi, function () {
            var series = [], yAxis = [];
            optimized.forEach(function (m, i) {
              yAxis.push({ type: 'value', scale: true, name: m, position: i === 0 ? 'left' : 'right' });
              series.push({ name: m, type: 'scatter', yAxisIndex: i, symbolSize: 8,
                            data: succeeded.filter(function (r) {
                                    return typeof r.metrics[m] === 'number' && r.assignments[p.name] !== undefined;
                                  }).map(function (r) {
                                    return { value: [paramValue(p, r.assignments[p.name]), r.metrics[m]], run: r };
                                  }) });
            });
            if (yAxis.length === 0) { yAxis.push({ type: 'value' }); }
            var floor = optimized.length ? metricRange(optimized[0])[0] : 0;
            series.push({ name: 'failed', type: 'scatter', symbol: 'triangle', symbolSize: 11,
                          itemStyle: { color: RED },
                          data: failed.filter(function (r) { return r.assignments[p.name] !== undefined; })
                                      .map(function (r) {
                                        return { value: [paramValue(p, r.assignments[p.name]), floor], run: r };
                                      }) });
            return { animation: false, legend: { top: 0 }, grid: { left: 70, right: 70, top: 40 },
                     tooltip: { trigger: 'item', formatter: function (it) {
                       return it.data && it.data.run ? tooltipRun(it.data.run) : ''; } },
                     xAxis: paramAxis(p), yAxis: yAxis, series: series };
          });
        });

        draw('chart-parallel', function () {
          var axes = data.parameters.map(function (p, i) {
            return paramAxis(p, { dim: i, nameLocation: 'end', nameGap: 15 });
          });
          var n = axes.length;
          optimized.forEach(function (m, i) {
            // The extent over every succeeded run: ECharts sizes a parallel axis from its first
            // series only, which left the best run's line off the chart.
            var range = metricRange(m);
            axes.push({ dim: n + i, name: m, type: 'value', scale: true,
                        min: range[0] < range[1] ? range[0] : undefined,
                        max: range[0] < range[1] ? range[1] : undefined });
          });
          function row(r) {
            var v = data.parameters.map(function (p) {
              var a = r.assignments[p.name];
              return a === undefined ? '-' : paramValue(p, a);
            });
            optimized.forEach(function (m) {
              v.push(typeof r.metrics[m] === 'number' ? r.metrics[m] : '-');
            });
            return v;
          }
          var best = data.best;
          return { animation: false, legend: { top: 0 },
                   parallel: { left: 60, right: 90, top: 60, bottom: 30 },
                   parallelAxis: axes,
                   series: [
                     { name: 'succeeded', type: 'parallel', lineStyle: { color: BLUE, width: 1.5, opacity: 0.6 },
                       data: succeeded.filter(function (r) { return best.indexOf(r.number) < 0; }).map(row) },
                     { name: 'best', type: 'parallel', lineStyle: { color: GOLD, width: 3, opacity: 1 },
                       data: succeeded.filter(function (r) { return best.indexOf(r.number) >= 0; }).map(row) },
                     { name: 'failed', type: 'parallel',
                       lineStyle: { color: RED, width: 1.5, type: 'dashed', opacity: 0.8 },
                       data: failed.filter(function (r) { return Object.keys(r.assignments).length > 0; }).map(row) }
                   ] };
        });

        if (optimized.length === 2) {
          draw('chart-pareto', function () {
            var m1 = optimized[0], m2 = optimized[1];
            var feasible = succeeded.filter(function (r) { return r.feasible; });
            function point(r) { return { value: [r.metrics[m1], r.metrics[m2]], run: r }; }
            var frontier = feasible.filter(function (r) { return r.best; })
                .sort(function (a, b) { return a.metrics[m1] - b.metrics[m1]; });
            return { animation: false, legend: { top: 0 }, grid: { left: 70, right: 40, top: 40 },
                     tooltip: { trigger: 'item', formatter: function (it) {
                       return it.data && it.data.run ? tooltipRun(it.data.run) : ''; } },
                     xAxis: { type: 'value', scale: true, name: m1, nameLocation: 'middle', nameGap: 28 },
                     yAxis: { type: 'value', scale: true, name: m2 },
                     series: [
                       { name: 'runs', type: 'scatter', symbolSize: 8, itemStyle: { color: BLUE, opacity: 0.6 },
                         data: feasible.filter(function (r) { return !r.best; }).map(point) },
                       { name: 'Pareto frontier', type: 'scatter', symbol: 'diamond', symbolSize: 14,
                         itemStyle: { color: GOLD }, data: frontier.map(point) },
                       { name: 'frontier line', type: 'line', showSymbol: false, silent: true,
                         lineStyle: { color: GOLD, width: 2 },
                         data: frontier.map(function (r) { return [r.metrics[m1], r.metrics[m2]]; }) }
                     ] };
          });
        }

        window.addEventListener('resize', function () {
          charts.forEach(function (c) { c.resize(); });
        });
        document.body.setAttribute('data-report-ready', 'true');
      })();
      """;
}
