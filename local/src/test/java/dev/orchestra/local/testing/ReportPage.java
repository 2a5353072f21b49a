package dev.orchestra.local.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An experiment report's DOM after Chromium ran its scripts ({@code --dump-dom}). */
public final class ReportPage {
  private static final Pattern CHART =
      Pattern.compile("<div class=\"chart\" id=\"([^\"]+)\"([^>]*)>");

  private final String dom;
  private final Map<String, String> charts = new LinkedHashMap<>();
  private final Map<String, String> attributes = new LinkedHashMap<>();

  public ReportPage(String dom) {
    this.dom = dom;
    Matcher m = CHART.matcher(dom);
    List<int[]> spans = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    while (m.find()) {
      ids.add(m.group(1));
      attributes.put(m.group(1), m.group(2));
      spans.add(new int[] {m.start(), m.end()});
    }
    for (int i = 0; i < ids.size(); i++) {
      int end = i + 1 < spans.size() ? spans.get(i + 1)[0] : dom.length();
      charts.put(ids.get(i), dom.substring(spans.get(i)[1], end));
    }
  }

  /** The chart containers' ids, in page order. */
  public List<String> chartIds() {
    return List.copyOf(charts.keySet());
  }

  /** The markup inside a chart container (up to the next one). */
  public String chart(String id) {
    assertThat(charts).as("chart containers").containsKey(id);
    return charts.get(id);
  }

  /**
   * Every chart ECharts drew: {@code data-drawn="true"} (set on its {@code finished} event), no
   * {@code data-error}, and an SVG with paths inside; the page counted no error and got to the end
   * of its script.
   */
  public void assertEveryChartDrew(List<String> expected) {
    assertThat(chartIds()).containsExactlyElementsOf(expected);
    for (String id : expected) {
      assertThat(attributes.get(id)).as(id + " attributes").contains("data-drawn=\"true\"");
      assertThat(attributes.get(id)).as(id + " attributes").doesNotContain("data-error");
      String inside = chart(id);
      assertThat(inside.contains("<svg")).as(id + " holds an svg").isTrue();
      assertThat(inside.contains("<path")).as(id + " holds drawn paths").isTrue();
    }
    assertThat(bodyAttribute("data-report-ready")).isEqualTo("true");
    assertThat(bodyAttribute("data-report-errors")).as("errors the page counted").isEqualTo("0");
  }

  public String bodyAttribute(String name) {
    Matcher m =
        Pattern.compile("<body[^>]*\\s" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(dom);
    assertThat(m.find()).as("body attribute " + name).isTrue();
    return m.group(1);
  }

  /** Whether a chart's SVG uses the colour (hex, lower case, as the SVG renderer writes it). */
  public boolean chartUsesColour(String id, String hex) {
    String inside = chart(id).toLowerCase();
    return inside.contains(hex.toLowerCase());
  }

  public String table(String id) {
    int start = dom.indexOf("<table id=\"" + id + "\">");
    assertThat(start).as("table " + id).isNotNegative();
    return dom.substring(start, dom.indexOf("</table>", start));
  }
}
