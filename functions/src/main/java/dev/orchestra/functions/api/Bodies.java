package dev.orchestra.functions.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.functions.Json;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.config.YamlLoader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Request bodies: the user's YAML as-is, or JSON wrapping the files' text (or objects). Credentials
 * anywhere in a body are refused before anything else looks at it.
 */
public final class Bodies {
  static final Set<String> YAML_TYPES =
      Set.of("application/yaml", "text/yaml", "application/x-yaml");
  static final Set<String> CREDENTIAL_FIELDS = Set.of("aws_access_key_id", "aws_secret_access_key");

  private Bodies() {}

  /** An experiment submission: the files' text and an optional target override. */
  public record Submission(String experimentText, String runText, String target) {}

  /** A cluster.yml as text. */
  public static String clusterText(String contentType, String body) {
    if (isYaml(contentType)) {
      YamlLoader.Loaded loaded = YamlLoader.load("cluster.yml", body);
      if (loaded.ok()) {
        refuseCredentials("cluster.yml", loaded.root());
      }
      return body;
    }
    ObjectNode json = jsonObject(body);
    String text = fileText(json, "cluster", "cluster.yml", true);
    return text;
  }

  /** A pool.yml as text: the YAML body, or JSON {@code {"pool": text|object}}. */
  public static String poolText(String contentType, String body) {
    if (isYaml(contentType)) {
      YamlLoader.Loaded loaded = YamlLoader.load("pool.yml", body);
      if (loaded.ok()) {
        refuseCredentials("pool.yml", loaded.root());
      }
      return body;
    }
    return fileText(jsonObject(body), "pool", "pool.yml", true);
  }

  public static Submission experiment(String contentType, String body) {
    if (isYaml(contentType)) {
      YamlLoader.Loaded loaded = YamlLoader.load("experiment.yml", body);
      if (loaded.ok()) {
        refuseCredentials("experiment.yml", loaded.root());
        if (!loaded.root().has("run")) {
          throw ApiException.invalidConfig(
              "experiment.yml has no run: block",
              List.of(
                  new Finding(
                      "experiment.yml",
                      "run",
                      "a YAML body is experiment.yml alone, and it has no embedded run: block",
                      "embed run.yml's fields under run:, or post JSON {\"experiment\": ...,"
                          + " \"run\": ...}")));
        }
      }
      // A file that does not parse is reported by intake's validation, with its findings.
      return new Submission(body, null, null);
    }
    ObjectNode json = jsonObject(body);
    String experiment = fileText(json, "experiment", "experiment.yml", true);
    String run = fileText(json, "run", "run.yml", false);
    String cluster = optionalName(json, "cluster");
    String pool = optionalName(json, "pool");
    if (cluster != null && pool != null) {
      throw ApiException.badRequest(
          "the body names both a cluster and a pool; name one target (cluster or pool)");
    }
    String target = cluster != null ? "cluster/" + cluster : pool != null ? "pool/" + pool : null;
    return new Submission(experiment, run, target);
  }

  static boolean isYaml(String contentType) {
    return contentType != null && YAML_TYPES.contains(baseType(contentType));
  }

  static String baseType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  private static ObjectNode jsonObject(String body) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("the body is empty; send a JSON object");
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      // Some failures (a number too large for its type, a stream constraint) carry no location.
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw ApiException.badRequest(
          "the body is not valid JSON" + where + ": " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object, e.g. {\"experiment\": ...}");
    }
    refuseCredentials("body", node);
    return (ObjectNode) node;
  }

  /** A file given as text (YAML) or as an object; objects are sent on as JSON, which is YAML. */
  private static String fileText(ObjectNode json, String field, String file, boolean required) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw ApiException.badRequest(
            "the body has no \"" + field + "\" field; send " + file + " as text or as an object");
      }
      return null;
    }
    if (v.isTextual()) {
      YamlLoader.Loaded loaded = YamlLoader.load(file, v.asText());
      if (loaded.ok()) {
        refuseCredentials(file, loaded.root());
      }
      return v.asText();
    }
    if (v.isObject()) {
      return Json.write(v);
    }
    throw ApiException.badRequest(
        "\"" + field + "\" must be " + file + " as a string or an object, not " + v.getNodeType());
  }

  private static String optionalName(ObjectNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw ApiException.badRequest("\"" + field + "\" must be a name (a string)");
    }
    return v.asText();
  }

  /** Refuses a document with credential fields anywhere, naming each one. */
  static void refuseCredentials(String file, JsonNode root) {
    List<Finding> findings = new ArrayList<>();
    scan(file, root, "", findings);
    if (!findings.isEmpty()) {
      throw ApiException.credentialsRejected(findings);
    }
  }

  private static void scan(String file, JsonNode node, String path, List<Finding> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String p = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
        if (CREDENTIAL_FIELDS.contains(f.getKey().toLowerCase(Locale.ROOT))) {
          out.add(
              new Finding(
                  file,
                  p,
                  "AWS credentials are not accepted by the API",
                  "remove " + p + "; the API authenticates callers with IAM (SigV4)"));
        } else {
          scan(file, f.getValue(), p, out);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        scan(file, node.get(i), path + "[" + i + "]", out);
      }
    }
  }
}
