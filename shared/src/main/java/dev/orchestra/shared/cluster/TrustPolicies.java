package dev.orchestra.shared.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * IAM trust policies of the roles a cluster creates, and the idempotent edits {@code cluster
 * share}/{@code unshare} make to the access role's trust.
 */
public final class TrustPolicies {
  private TrustPolicies() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String VERSION = "2012-10-17";

  /** The statement id that carries the people who may assume the access role. */
  public static final String PEOPLE_SID = "OrchestraAccess";

  public static final String EKS_SERVICE = "eks.amazonaws.com";
  public static final String EC2_SERVICE = "ec2.amazonaws.com";
  public static final String POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com";

  /** A role a service assumes (EKS, EC2). */
  public static String forService(String service) {
    ObjectNode statement = statement("AllowService", List.of("sts:AssumeRole"));
    statement.putObject("Principal").put("Service", service);
    return write(document(statement));
  }

  /** A role EKS Pod Identity hands to pods: it also needs {@code sts:TagSession}. */
  public static String forPodIdentity() {
    ObjectNode statement =
        statement("AllowPodIdentity", List.of("sts:AssumeRole", "sts:TagSession"));
    statement.putObject("Principal").put("Service", POD_IDENTITY_SERVICE);
    return write(document(statement));
  }

  /** The access role's trust: exactly these principals may assume it. */
  public static String forPrincipals(Collection<String> principalArns) {
    return write(document(peopleStatement(new LinkedHashSet<>(principalArns))));
  }

  /** The principals the access role trusts, in order. */
  public static List<String> principals(String policyJson) {
    List<String> out = new ArrayList<>();
    for (JsonNode statement : statements(read(policyJson))) {
      if (!"Allow".equals(statement.path("Effect").asText())) {
        continue;
      }
      JsonNode aws = statement.path("Principal").path("AWS");
      if (aws.isTextual()) {
        out.add(aws.asText());
      } else if (aws.isArray()) {
        aws.forEach(a -> out.add(a.asText()));
      }
    }
    return out;
  }

  /**
   * The policy with {@code principalArn} trusted; unchanged (equal JSON) when it already is, so
   * sharing twice is harmless.
   */
  public static String addPrincipal(String policyJson, String principalArn) {
    Set<String> principals = new LinkedHashSet<>(principals(policyJson));
    if (!principals.add(principalArn)) {
      return normalize(policyJson);
    }
    return replacePeople(policyJson, principals);
  }

  /**
   * The policy without {@code principalArn}; unchanged when it was not trusted. Refuses to remove
   * the last principal, because a role nobody may assume locks everyone out of the cluster.
   */
  public static String removePrincipal(String policyJson, String principalArn) {
    Set<String> principals = new LinkedHashSet<>(principals(policyJson));
    if (!principals.remove(principalArn)) {
      return normalize(policyJson);
    }
    if (principals.isEmpty()) {
      throw new IllegalArgumentException(
          principalArn
              + " is the only principal that may assume the access role; share the cluster with"
              + " someone else first, or destroy the cluster");
    }
    return replacePeople(policyJson, principals);
  }

  private static String replacePeople(String policyJson, Set<String> principals) {
    ObjectNode doc = (ObjectNode) read(policyJson);
    ArrayNode kept = JSON.createArrayNode();
    for (JsonNode statement : statements(doc)) {
      if (statement.path("Principal").path("AWS").isMissingNode()) {
        kept.add(statement);
      }
    }
    kept.add(peopleStatement(principals));
    doc.set("Statement", kept);
    return write(doc);
  }

  private static ObjectNode peopleStatement(Set<String> principals) {
    ObjectNode statement = statement(PEOPLE_SID, List.of("sts:AssumeRole"));
    ArrayNode aws = statement.putObject("Principal").putArray("AWS");
    principals.forEach(aws::add);
    return statement;
  }

  private static ObjectNode statement(String sid, List<String> actions) {
    ObjectNode statement = JSON.createObjectNode();
    statement.put("Sid", sid);
    statement.put("Effect", "Allow");
    if (actions.size() == 1) {
      statement.put("Action", actions.get(0));
    } else {
      ArrayNode a = statement.putArray("Action");
      actions.forEach(a::add);
    }
    return statement;
  }

  private static ObjectNode document(ObjectNode statement) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("Version", VERSION);
    doc.putArray("Statement").add(statement);
    return doc;
  }

  private static List<JsonNode> statements(JsonNode doc) {
    JsonNode s = doc.path("Statement");
    List<JsonNode> out = new ArrayList<>();
    if (s.isArray()) {
      s.forEach(out::add);
    } else if (s.isObject()) {
      out.add(s);
    }
    return out;
  }

  /** IAM returns policy documents URL-encoded; accept both forms. */
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

  private static String normalize(String json) {
    return write(read(json));
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
