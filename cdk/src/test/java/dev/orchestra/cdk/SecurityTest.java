package dev.orchestra.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/**
 * Security checks on the synthesized templates: every Lambda role's IAM actions equal a reviewed
 * allow-list kept as test data ({@code src/test/resources/security/lambda-role-actions.txt}; a
 * change to a role fails here until the list is reviewed and updated), the bucket refuses public
 * and plain-HTTP access, and no API method is open to anonymous callers.
 */
class SecurityTest {
  static final Path ALLOW_LIST = Path.of("src/test/resources/security/lambda-role-actions.txt");
  static final ObjectMapper JSON = new ObjectMapper();
  static SynthesizedApp app;

  @BeforeAll
  static void synth() {
    app = SynthesizedApp.get();
  }

  /** Role logical id without CDK's hash suffix → every action its policies allow. */
  static Map<String, Set<String>> lambdaRoleActions(Template template) {
    JsonNode resources = JSON.valueToTree(template.toJSON()).path("Resources");
    Set<String> lambdaRoles = new TreeSet<>();
    resources
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().path("Type").asText().equals("AWS::Lambda::Function")) {
                JsonNode role = e.getValue().path("Properties").path("Role").path("Fn::GetAtt");
                if (role.isArray()) {
                  lambdaRoles.add(role.get(0).asText());
                }
              }
            });
    Map<String, Set<String>> actions = new TreeMap<>();
    for (String role : lambdaRoles) {
      Set<String> a = new TreeSet<>();
      JsonNode r = resources.path(role).path("Properties");
      r.path("Policies").forEach(p -> collect(p.path("PolicyDocument"), a));
      for (JsonNode managed : r.path("ManagedPolicyArns")) {
        if (managed.has("Ref")) {
          collect(
              resources.path(managed.get("Ref").asText()).path("Properties").path("PolicyDocument"),
              a);
        } else {
          a.add(
              "managed:"
                  + managed.toString().replaceAll(".*:policy/", "").replaceAll("[\"\\]}]", ""));
        }
      }
      resources
          .fields()
          .forEachRemaining(
              e -> {
                JsonNode p = e.getValue();
                if (p.path("Type").asText().equals("AWS::IAM::Policy")) {
                  for (JsonNode ref : p.path("Properties").path("Roles")) {
                    if (ref.path("Ref").asText().equals(role)) {
                      collect(p.path("Properties").path("PolicyDocument"), a);
                    }
                  }
                }
              });
      actions.merge(
          role.replaceAll("[0-9A-F]{8}$", ""),
          a,
          (x, y) -> {
            x.addAll(y);
            return x;
          });
    }
    return actions;
  }

  private static void collect(JsonNode document, Set<String> into) {
    for (JsonNode statement : document.path("Statement")) {
      if (!statement.path("Effect").asText("Allow").equals("Allow")) {
        continue;
      }
      JsonNode action = statement.path("Action");
      if (action.isArray()) {
        action.forEach(x -> into.add(x.asText()));
      } else if (!action.isMissingNode()) {
        into.add(action.asText());
      }
    }
  }

  static String render(Map<String, Set<String>> roles) {
    return roles.entrySet().stream()
        .map(e -> e.getKey() + ": " + String.join(" ", e.getValue()))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  @Test
  void everyLambdaRolesActions_equalTheReviewedAllowList() throws IOException {
    Map<String, Set<String>> actual = new TreeMap<>();
    for (Template t : List.of(app.data, app.workflows, app.api)) {
      actual.putAll(lambdaRoleActions(t));
    }
    assertThat(actual).isNotEmpty();
    if (Boolean.getBoolean("orchestra.security.writeAllowList")) {
      List<String> header =
          Files.readAllLines(ALLOW_LIST).stream().filter(l -> l.startsWith("#")).toList();
      Files.writeString(
          ALLOW_LIST, String.join("\n", header) + (header.isEmpty() ? "" : "\n") + render(actual));
    }
    Map<String, Set<String>> reviewed = new TreeMap<>();
    for (String line : Files.readAllLines(ALLOW_LIST)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(": ");
      reviewed.put(
          line.substring(0, colon), new TreeSet<>(List.of(line.substring(colon + 2).split(" "))));
    }
    List<String> differences = new ArrayList<>();
    for (String role : new TreeSet<>(actual.keySet())) {
      Set<String> added = new TreeSet<>(actual.get(role));
      added.removeAll(reviewed.getOrDefault(role, Set.of()));
      if (!added.isEmpty()) {
        differences.add(role + " gained " + added);
      }
      Set<String> removed = new TreeSet<>(reviewed.getOrDefault(role, Set.of()));
      removed.removeAll(actual.get(role));
      if (!removed.isEmpty()) {
        differences.add(role + " lost " + removed);
      }
    }
    reviewed.keySet().stream()
        .filter(r -> !actual.containsKey(r))
        .forEach(r -> differences.add(r + " is gone"));
    assertThat(differences)
        .as(
            "Lambda role actions differ from %s: review them, then update the file (or run with"
                + " -Dorchestra.security.writeAllowList=true and review the diff)",
            ALLOW_LIST)
        .isEmpty();
    // Nothing in the list is a wildcard over a whole service.
    actual.values().forEach(a -> assertThat(a).noneMatch(x -> x.equals("*") || x.endsWith(":*")));
  }

  @Test
  void bucketRefusesPublicAndPlainHttpAccess() {
    JsonNode resources = JSON.valueToTree(app.data.toJSON()).path("Resources");
    List<JsonNode> buckets = new ArrayList<>();
    List<JsonNode> policies = new ArrayList<>();
    resources.forEach(
        r -> {
          switch (r.path("Type").asText()) {
            case "AWS::S3::Bucket" -> buckets.add(r);
            case "AWS::S3::BucketPolicy" -> policies.add(r);
            default -> {}
          }
        });
    assertThat(buckets).isNotEmpty();
    for (JsonNode b : buckets) {
      JsonNode block = b.path("Properties").path("PublicAccessBlockConfiguration");
      for (String setting :
          List.of(
              "BlockPublicAcls",
              "BlockPublicPolicy",
              "IgnorePublicAcls",
              "RestrictPublicBuckets")) {
        assertThat(block.path(setting).asBoolean()).as(setting).isTrue();
      }
    }
    assertThat(policies).hasSameSizeAs(buckets);
    for (JsonNode p : policies) {
      boolean denyPlainHttp = false;
      for (JsonNode s : p.path("Properties").path("PolicyDocument").path("Statement")) {
        if (s.path("Effect").asText().equals("Deny")
            && s.path("Principal").toString().contains("*")
            && s.path("Condition")
                .path("Bool")
                .path("aws:SecureTransport")
                .asText()
                .equals("false")) {
          denyPlainHttp = true;
        }
        if (s.path("Effect").asText().equals("Allow")) {
          assertThat(s.path("Principal").toString())
              .as("an Allow to everyone")
              .isNotEqualTo("\"*\"");
          assertThat(s.path("Principal").path("AWS").asText()).isNotEqualTo("*");
        }
      }
      assertThat(denyPlainHttp).as("a Deny for aws:SecureTransport false").isTrue();
    }
  }

  @Test
  void noApiMethodIsOpenToAnonymousCallers() {
    JsonNode resources = JSON.valueToTree(app.api.toJSON()).path("Resources");
    List<JsonNode> methods = new ArrayList<>();
    resources.forEach(
        r -> {
          if (r.path("Type").asText().equals("AWS::ApiGateway::Method")) {
            methods.add(r);
          }
        });
    assertThat(methods).isNotEmpty();
    assertThat(methods)
        .allSatisfy(
            m ->
                assertThat(m.path("Properties").path("AuthorizationType").asText())
                    .as(m.toString())
                    .isEqualTo("AWS_IAM"));
  }
}
