package dev.orchestra.functions.carrier;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the metrics file a run wrote: one JSON object of metric name → number. Python's {@code
 * json.dump} writes {@code NaN}/{@code Infinity} bare, so those tokens are accepted and reported as
 * the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (JSON has no such numbers).
 * Values that are not numbers are passed through for the control plane to judge.
 */
public final class MetricsFile {
  private static final ObjectMapper LENIENT =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /** The metrics, or null with the reason the file gave none. */
  public record Reading(Map<String, Object> metrics, String problem) {}

  private MetricsFile() {}

  public static Reading read(Path file) {
    if (!Files.exists(file)) {
      return new Reading(null, "the run wrote no metrics file (ORCHESTRA_METRICS_FILE)");
    }
    JsonNode root;
    try {
      root = LENIENT.readTree(Files.readString(file));
    } catch (IOException e) {
      return new Reading(null, "the metrics file is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      return new Reading(
          null,
          "the metrics file must hold one JSON object of metric name to number, like"
              + " {\"accuracy\": 0.93}; it holds "
              + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      metrics.put(field.getKey(), value(field.getValue()));
    }
    return new Reading(metrics, null);
  }

  private static Object value(JsonNode node) {
    if (node.isNumber()) {
      double d = node.doubleValue();
      if (Double.isNaN(d)) {
        return "NaN";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "Infinity" : "-Infinity";
      }
      return node.isIntegralNumber() && node.canConvertToLong() ? (Object) node.longValue() : d;
    }
    return LENIENT.convertValue(node, Object.class);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
