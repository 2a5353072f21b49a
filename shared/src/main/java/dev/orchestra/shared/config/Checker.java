package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Walks a parsed tree and collects findings. Every read is tolerant: a missing or mistyped value
 * adds a finding and returns null, so one pass reports every problem in the file.
 */
final class Checker {
  private final String file;
  private final String prefix;
  private final List<Finding> findings;

  Checker(String file, String prefix, List<Finding> findings) {
    this.file = file;
    this.prefix = prefix;
    this.findings = findings;
  }

  /** A checker that reports into the same list with every path under {@code field}. */
  Checker under(String field) {
    return new Checker(file, at(prefix, field), findings);
  }

  List<Finding> findings() {
    return findings;
  }

  int count() {
    return findings.size();
  }

  static String at(String path, String field) {
    if (path == null || path.isEmpty()) {
      return field;
    }
    return field.startsWith("[") ? path + field : path + "." + field;
  }

  void add(String path, String problem, String fix) {
    String full = prefix.isEmpty() ? path : (path.isEmpty() ? prefix : at(prefix, path));
    findings.add(new Finding(file, full, problem, fix));
  }

  /** Reports every field of {@code node} not in {@code known}, suggesting the nearest name. */
  void unknownFields(
      ObjectNode node, String path, Collection<String> known, Map<String, String> unsupported) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (known.contains(name)) {
        continue;
      }
      String where = at(path, name);
      if (name.equals("<<")) {
        add(
            where,
            "YAML merge keys (<<) are not supported",
            "write the merged fields out in this mapping");
        continue;
      }
      if (unsupported.containsKey(name)) {
        add(where, unsupported.get(name), "remove " + name + " from the file");
        continue;
      }
      String nearest = Names.nearest(name, known);
      add(
          where,
          "unknown field '" + Names.shorten(name) + "'",
          nearest != null
              ? "did you mean " + nearest + "?"
              : "remove it; the known fields here are " + String.join(", ", known));
    }
  }

  /** The value of a field, or null when it is absent or empty ({@code field:} with no value). */
  static JsonNode get(ObjectNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  void required(String path, String what, String example) {
    add(
        path,
        path(path) + " is required" + (what == null ? "" : " (" + what + ")"),
        example == null ? "add " + path(path) : fix(example).replaceFirst("^write ", "add "));
  }

  /** An example turned into a fix sentence. */
  static String fix(String example) {
    if (example == null) {
      return "correct the value";
    }
    return example.matches("^(write|add|quote|use|remove|make|set|lower|raise) .*")
        ? example
        : "write " + example;
  }

  private static String path(String p) {
    int dot = p.lastIndexOf('.');
    return dot < 0 ? p : p.substring(dot + 1);
  }

  ObjectNode mapping(ObjectNode parent, String path, String field, boolean required, String ex) {
    return (ObjectNode) container(parent, path, field, required, ex, JsonNode::isObject, "mapping");
  }

  ArrayNode list(ObjectNode parent, String path, String field, boolean required, String ex) {
    return (ArrayNode) container(parent, path, field, required, ex, JsonNode::isArray, "list");
  }

  /** A mapping or list field: null (with a finding) when it is absent but required, or mistyped. */
  private JsonNode container(
      ObjectNode parent,
      String path,
      String field,
      boolean required,
      String ex,
      java.util.function.Predicate<JsonNode> isKind,
      String kind) {
    JsonNode v = get(parent, field);
    String where = at(path, field);
    if (v == null) {
      if (required) {
        required(where, null, fix(ex));
      }
      return null;
    }
    if (!isKind.test(v)) {
      add(where, field + " must be a " + kind + ", not " + YamlLoader.describe(v), fix(ex));
      return null;
    }
    return v;
  }

  String string(ObjectNode parent, String path, String field, boolean required, String ex) {
    return string(parent, path, field, required, ex, false);
  }

  /** A string field; a {@code secret} value is never repeated in a finding. */
  String string(
      ObjectNode parent, String path, String field, boolean required, String ex, boolean secret) {
    JsonNode v = get(parent, field);
    String where = at(path, field);
    if (v == null) {
      if (required) {
        required(where, null, fix(ex));
      }
      return null;
    }
    return text(v, where, field, ex, secret);
  }

  String text(JsonNode v, String where, String field, String ex, boolean secret) {
    if (v.isTextual()) {
      if (v.asText().isBlank()) {
        add(where, field + " is blank", fix(ex));
        return null;
      }
      return v.asText();
    }
    if (v.isValueNode() && !secret) {
      add(
          where,
          field + " must be a string, not " + YamlLoader.describe(v) + " (" + show(v) + ")",
          "quote the value: " + field + ": '" + Names.shorten(v.asText()) + "'");
    } else {
      add(where, field + " must be a string, not " + YamlLoader.describe(v), fix(ex));
    }
    return null;
  }

  Boolean bool(ObjectNode parent, String path, String field) {
    JsonNode v = get(parent, field);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      add(
          at(path, field),
          field + " must be true or false, not " + YamlLoader.describe(v) + " (" + show(v) + ")",
          "write " + field + ": true or " + field + ": false");
      return null;
    }
    return v.booleanValue();
  }

  /** A whole number (2 or 2.0; not 2.5, not '2'). */
  Long integer(ObjectNode parent, String path, String field, boolean required, String ex) {
    JsonNode v = get(parent, field);
    String where = at(path, field);
    if (v == null) {
      if (required) {
        required(where, null, fix(ex));
      }
      return null;
    }
    return wholeNumber(v, where, field, fix(ex));
  }

  Long wholeNumber(JsonNode v, String where, String field, String ex) {
    Long n = asWhole(v);
    if (n == null) {
      add(
          where,
          field + " must be a whole number, not " + YamlLoader.describe(v) + " (" + show(v) + ")",
          fix(ex));
    }
    return n;
  }

  static Long asWhole(JsonNode v) {
    if (v == null || !v.isNumber()) {
      return null;
    }
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? v.longValue() : null;
    }
    if (v.isBigDecimal()) {
      BigDecimal d = v.decimalValue();
      try {
        return d.stripTrailingZeros().scale() <= 0 ? d.longValueExact() : null;
      } catch (ArithmeticException e) {
        return null;
      }
    }
    double d = v.doubleValue();
    return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9e15 ? (long) d : null;
  }

  /** A finite number. */
  Double number(ObjectNode parent, String path, String field, boolean required, String ex) {
    JsonNode v = get(parent, field);
    String where = at(path, field);
    if (v == null) {
      if (required) {
        required(where, null, fix(ex));
      }
      return null;
    }
    return finite(v, where, field, fix(ex));
  }

  Double finite(JsonNode v, String where, String field, String ex) {
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      add(
          where,
          field + " must be a number, not " + YamlLoader.describe(v) + " (" + show(v) + ")",
          fix(ex));
      return null;
    }
    return v.doubleValue();
  }

  /** One of {@code allowed} (lower-case words), or null after a finding. */
  String choice(
      ObjectNode parent, String path, String field, List<String> allowed, String fallback) {
    JsonNode v = get(parent, field);
    String where = at(path, field);
    if (v == null) {
      return fallback;
    }
    if (v.isTextual() && allowed.contains(v.asText())) {
      return v.asText();
    }
    String nearest = v.isTextual() ? Names.nearest(v.asText(), allowed) : null;
    add(
        where,
        field + " must be one of " + String.join(", ", allowed) + ", not " + show(v),
        nearest != null
            ? "did you mean " + nearest + "?"
            : "write " + field + ": " + allowed.get(0));
    return null;
  }

  /** A short, safe rendering of a user's value for a message. */
  static String show(JsonNode v) {
    if (v.isContainerNode()) {
      return v.isArray() ? "a list" : "a mapping";
    }
    String s = v.isBigDecimal() ? v.decimalValue().toString() : v.asText();
    return v.isTextual() ? "'" + Names.shorten(s) + "'" : Names.shorten(s);
  }
}
