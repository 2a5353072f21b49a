package dev.orchestra.shared.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads one YAML document into a Jackson tree under strict limits, turning every way a file can be
 * unreadable into a {@link Finding} rather than an exception.
 *
 * <p>The tree is built here from the parser's events rather than by databind, for three reasons:
 * Jackson's YAML parser reports an alias as the anchor's name (a silently wrong string), so aliases
 * are expanded here with a budget on how many there are and how large they make the document; the
 * nesting depth is checked as the tree grows, so a nesting bomb stops after a few bytes; and a
 * floating-point scalar keeps its written form ({@code 1.30}, not {@code 1.3}), which the messages
 * about unquoted versions and quantities need.
 */
public final class YamlLoader {
  /** Files above this size are refused before parsing. */
  public static final int MAX_BYTES = 1024 * 1024;

  /** Aliases ({@code *name}) allowed in one document. */
  public static final int MAX_ALIASES = 20;

  /** Mappings and lists nested deeper than this are refused. */
  public static final int MAX_DEPTH = 30;

  /** Nodes the document may hold once aliases are expanded. */
  public static final int MAX_NODES = 200_000;

  private static final YAMLFactory FACTORY = newFactory();

  private YamlLoader() {}

  /** The root mapping of a file, or the findings that explain why there is none. */
  public record Loaded(ObjectNode root, List<Finding> findings) {
    public Loaded {
      findings = List.copyOf(findings);
    }

    public boolean ok() {
      return root != null;
    }
  }

  private static YAMLFactory newFactory() {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(MAX_BYTES + 1024);
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    YAMLFactory factory = YAMLFactory.builder().loaderOptions(options).build();
    // A second fence behind our own depth check.
    factory.setStreamReadConstraints(
        StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH + 10)
            .maxStringLength(MAX_BYTES + 1024)
            .maxNumberLength(200)
            .build());
    factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    return factory;
  }

  /** Loads {@code text}, the content of {@code file}; the root must be a mapping. */
  public static Loaded load(String file, String text) {
    if (text == null) {
      return failed(file, "", "the file has no content", "write the configuration as YAML");
    }
    long bytes = utf8Length(text);
    if (bytes > MAX_BYTES) {
      return tooLarge(file, bytes);
    }
    Builder builder = new Builder(file);
    try (YAMLParser parser = (YAMLParser) FACTORY.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return failed(
            file,
            "",
            "the file is empty",
            "write the configuration as a YAML mapping, e.g. name: my-experiment");
      }
      JsonNode root = builder.value(parser, first, 0);
      if (builder.failure != null) {
        return new Loaded(null, List.of(builder.failure));
      }
      if (parser.nextToken() != null) {
        return failed(
            file,
            "",
            "the file holds more than one YAML document (a '---' separates them)",
            "keep one configuration per file");
      }
      if (root == null || root.isNull() || (root.isTextual() && root.asText().isEmpty())) {
        return failed(
            file,
            "",
            "the file is empty",
            "write the configuration as a YAML mapping, e.g. name: my-experiment");
      }
      if (!root.isObject()) {
        return failed(
            file,
            "",
            "the document is " + describe(root) + ", not a mapping of field names to values",
            "write the configuration as field: value lines at the top level");
      }
      return new Loaded((ObjectNode) root, List.of());
    } catch (Refused refused) {
      return new Loaded(null, List.of(refused.finding));
    } catch (JsonProcessingException e) {
      return new Loaded(null, List.of(syntaxFinding(file, builder.currentPath(), e)));
    } catch (IOException | RuntimeException e) {
      // SnakeYAML signals some limits (code points, aliases) with its own runtime exceptions.
      return failed(
          file,
          builder.currentPath(),
          "the file cannot be read as YAML: " + firstLine(e.getMessage()),
          "fix the YAML syntax");
    } catch (StackOverflowError e) {
      return failed(file, "", "the file is nested too deeply to read", "flatten the document");
    }
  }

  static Loaded tooLarge(String file, long bytes) {
    return failed(
        file,
        "",
        "the file is " + bytes + " bytes, above the limit of " + MAX_BYTES + " bytes (1 MiB)",
        "a configuration file is a few kilobytes; check that this is the right file");
  }

  private static long utf8Length(String text) {
    if (text.length() > MAX_BYTES) {
      return text.length() > 4L * MAX_BYTES
          ? text.length()
          : text.getBytes(StandardCharsets.UTF_8).length;
    }
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  private static Loaded failed(String file, String path, String problem, String fix) {
    return new Loaded(null, List.of(new Finding(file, path, problem, fix)));
  }

  static String describe(JsonNode node) {
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isNumber()) {
      return "a number";
    }
    if (node.isNull()) {
      return "empty";
    }
    return "a string";
  }

  private static Finding syntaxFinding(String file, String path, JsonProcessingException e) {
    String where;
    String problem;
    Throwable cause = e.getCause();
    if (cause instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
      Mark mark = marked.getProblemMark();
      where = "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      problem = marked.getProblem();
      if (marked.getContext() != null && marked.getContextMark() != null) {
        Mark ctx = marked.getContextMark();
        problem +=
            " ("
                + marked.getContext()
                + " that starts at line "
                + (ctx.getLine() + 1)
                + ", column "
                + (ctx.getColumn() + 1)
                + ")";
      }
    } else {
      where =
          e.getLocation() == null
              ? "an unknown position"
              : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      problem = firstLine(e.getOriginalMessage());
    }
    if (problem != null && problem.startsWith("Duplicate field")) {
      return new Finding(
          file,
          path,
          "duplicate key at " + where + ": " + problem.replace("Duplicate field", "the field"),
          "write each field once; YAML does not merge repeated keys");
    }
    return new Finding(
        file,
        path,
        "YAML syntax error at " + where + ": " + problem,
        "fix the YAML at that position (check indentation, colons and brackets)");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  /** A limit was hit: stop at once with this finding. */
  private static final class Refused extends RuntimeException {
    final transient Finding finding;

    Refused(Finding finding) {
      super(finding.problem(), null, false, false);
      this.finding = finding;
    }
  }

  /** Builds the tree from parser events, tracking the path for messages. */
  private static final class Builder {
    private final String file;
    private final JsonNodeFactory nodes = JsonNodeFactory.withExactBigDecimals(true);
    private final Map<String, JsonNode> anchors = new HashMap<>();
    private final Map<JsonNode, Integer> sizes = new IdentityHashMap<>();
    private final Deque<String> path = new ArrayDeque<>();
    private int aliases;
    private long total;
    Finding failure;

    Builder(String file) {
      this.file = file;
    }

    String currentPath() {
      StringBuilder sb = new StringBuilder();
      var it = path.descendingIterator();
      while (it.hasNext()) {
        String p = it.next();
        if (!p.startsWith("[") && sb.length() > 0) {
          sb.append('.');
        }
        sb.append(p);
      }
      return sb.toString();
    }

    private Refused refuse(String problem, String fix) {
      return new Refused(new Finding(file, currentPath(), problem, fix));
    }

    private void count(long n) {
      total += n;
      if (total > MAX_NODES) {
        throw refuse(
            "the document expands to more than " + MAX_NODES + " values (aliases multiply them)",
            "write the values out instead of repeating aliases");
      }
    }

    JsonNode value(YAMLParser p, JsonToken token, int depth) throws IOException {
      String anchor = p.getObjectId();
      JsonNode node;
      switch (token) {
        case START_OBJECT -> {
          if (depth >= MAX_DEPTH) {
            throw refuse(
                "the document is nested more than " + MAX_DEPTH + " levels deep",
                "flatten the configuration; no valid file nests this deep");
          }
          ObjectNode obj = nodes.objectNode();
          int size = 1;
          count(1);
          JsonToken t;
          while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            path.push(name);
            JsonNode child = value(p, p.nextToken(), depth + 1);
            obj.set(name, child);
            size += sizeOf(child);
            path.pop();
          }
          if (t != JsonToken.END_OBJECT) {
            throw refuse("the mapping ends unexpectedly", "fix the YAML syntax");
          }
          sizes.put(obj, size);
          node = obj;
        }
        case START_ARRAY -> {
          if (depth >= MAX_DEPTH) {
            throw refuse(
                "the document is nested more than " + MAX_DEPTH + " levels deep",
                "flatten the configuration; no valid file nests this deep");
          }
          ArrayNode arr = nodes.arrayNode();
          int size = 1;
          count(1);
          JsonToken t;
          int i = 0;
          while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            path.push("[" + i + "]");
            JsonNode child = value(p, t, depth + 1);
            arr.add(child);
            size += sizeOf(child);
            path.pop();
            i++;
          }
          if (t == null) {
            throw refuse("the list ends unexpectedly", "fix the YAML syntax");
          }
          sizes.put(arr, size);
          node = arr;
        }
        case VALUE_STRING -> {
          if (p.isCurrentAlias()) {
            return alias(p.getText());
          }
          count(1);
          node = nodes.textNode(p.getText());
        }
        case VALUE_NUMBER_INT -> {
          count(1);
          node = nodes.numberNode(p.getBigIntegerValue());
          if (node.canConvertToLong()) {
            node = nodes.numberNode(p.getBigIntegerValue().longValue());
          }
        }
        case VALUE_NUMBER_FLOAT -> {
          count(1);
          node = floating(p);
        }
        case VALUE_TRUE, VALUE_FALSE -> {
          count(1);
          node = nodes.booleanNode(token == JsonToken.VALUE_TRUE);
        }
        case VALUE_NULL -> {
          count(1);
          node = nodes.nullNode();
        }
        case VALUE_EMBEDDED_OBJECT -> {
          count(1);
          node = nodes.textNode(p.getText());
        }
        default -> throw refuse("unexpected YAML content (" + token + ")", "fix the YAML syntax");
      }
      if (anchor != null) {
        anchors.put(anchor, node);
      }
      return node;
    }

    private JsonNode floating(YAMLParser p) throws IOException {
      String text = p.getText().replace("_", "");
      try {
        return nodes.numberNode(new BigDecimal(text));
      } catch (NumberFormatException e) {
        // YAML's .inf and .nan, which validation then refuses as not finite.
        String t = text.toLowerCase(java.util.Locale.ROOT);
        if (t.endsWith(".nan")) {
          return nodes.numberNode(Double.NaN);
        }
        if (t.endsWith(".inf")) {
          return nodes.numberNode(
              t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        return nodes.textNode(p.getText());
      }
    }

    private JsonNode alias(String name) {
      aliases++;
      if (aliases > MAX_ALIASES) {
        throw refuse(
            "the document uses more than " + MAX_ALIASES + " aliases (*name)",
            "write the values out instead of using anchors and aliases");
      }
      JsonNode target = anchors.get(name);
      if (target == null) {
        throw refuse(
            "the alias *"
                + name
                + " refers to no mapping or list anchored &"
                + name
                + " before it (anchors on single values are not supported)",
            "write the value out instead of the alias");
      }
      count(sizeOf(target));
      return target;
    }

    private int sizeOf(JsonNode node) {
      return sizes.getOrDefault(node, 1);
    }
  }
}
