package dev.orchestra.shared.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which actions of a policy a permissions boundary would cancel. A boundary only lets through what
 * both it and the identity policy allow, so an allowed action the boundary does not allow (or
 * denies) has no effect, silently; Validate refuses such a policy instead.
 *
 * <p>Actions only: resource and condition scoping is not compared (a policy narrower in resources
 * than the boundary passes; one whose resources the boundary excludes is not caught).
 */
public final class BoundaryCheck {
  private BoundaryCheck() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The actions of {@code policyJson}'s Allow statements that {@code boundaryJson} cancels. */
  public static List<String> cancelled(String policyJson, String boundaryJson) {
    JsonNode boundary = read(boundaryJson);
    List<String> allowed = actions(boundary, "Allow");
    List<String> denied = actions(boundary, "Deny");
    List<String> out = new ArrayList<>();
    for (String action : actions(read(policyJson), "Allow")) {
      boolean passes =
          allowed.stream().anyMatch(b -> covers(b, action))
              && denied.stream().noneMatch(d -> covers(d, action) || covers(action, d));
      if (!passes) {
        out.add(action);
      }
    }
    return out;
  }

  /**
   * True when the pattern {@code outer} matches everything {@code inner} (itself a pattern) does.
   */
  static boolean covers(String outer, String inner) {
    String regex =
        Pattern.quote(outer.toLowerCase(Locale.ROOT))
            .replace("*", "\\E.*\\Q")
            .replace("?", "\\E.\\Q");
    return inner.toLowerCase(Locale.ROOT).matches(regex);
  }

  private static List<String> actions(JsonNode doc, String effect) {
    List<String> out = new ArrayList<>();
    JsonNode statements = doc.path("Statement");
    List<JsonNode> list = new ArrayList<>();
    if (statements.isArray()) {
      statements.forEach(list::add);
    } else if (statements.isObject()) {
      list.add(statements);
    }
    for (JsonNode s : list) {
      if (!effect.equals(s.path("Effect").asText())) {
        continue;
      }
      JsonNode a = s.path("Action");
      if (a.isTextual()) {
        out.add(a.asText());
      } else if (a.isArray()) {
        a.forEach(x -> out.add(x.asText()));
      }
    }
    return out;
  }

  private static JsonNode read(String json) {
    String text = json.trim();
    if (!text.startsWith("{")) {
      text = java.net.URLDecoder.decode(text, java.nio.charset.StandardCharsets.UTF_8);
    }
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a JSON policy document: " + e.getMessage(), e);
    }
  }
}
