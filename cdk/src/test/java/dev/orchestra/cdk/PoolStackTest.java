package dev.orchestra.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.pool.PoolStore;
import dev.orchestra.shared.EnvVars;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/**
 * The EC2 pool backend in the synthesized templates (issue #8, point 4): the pools table, the tick
 * function and its schedule permission, and IAM that lets each function do only its part of the
 * pool work, with the conditions that keep Orchestra to what carries the {@code orchestra:pool}
 * tag.
 */
class PoolStackTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static SynthesizedApp app;
  static JsonNode resources;

  /** One Allow statement of a function role's policy. */
  record Statement(String role, Set<String> actions, List<String> resources, JsonNode condition) {
    boolean allows(String action) {
      return actions.contains(action);
    }

    String text() {
      return String.join(" ", resources);
    }
  }

  static List<Statement> statements;

  @BeforeAll
  static void synth() {
    app = SynthesizedApp.get();
    resources = JSON.valueToTree(app.workflows.toJSON()).path("Resources");
    statements = new ArrayList<>();
    resources
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode p = e.getValue();
              if (!p.path("Type").asText().equals("AWS::IAM::Policy")) {
                return;
              }
              for (JsonNode ref : p.path("Properties").path("Roles")) {
                String role = ref.path("Ref").asText().replaceAll("[0-9A-F]{8}$", "");
                for (JsonNode s : p.path("Properties").path("PolicyDocument").path("Statement")) {
                  if (!s.path("Effect").asText().equals("Allow")) {
                    continue;
                  }
                  Set<String> actions = new TreeSet<>();
                  JsonNode a = s.path("Action");
                  if (a.isArray()) {
                    a.forEach(x -> actions.add(x.asText()));
                  } else {
                    actions.add(a.asText());
                  }
                  List<String> res = new ArrayList<>();
                  JsonNode r = s.path("Resource");
                  if (r.isArray()) {
                    r.forEach(x -> res.add(x.toString()));
                  } else {
                    res.add(r.toString());
                  }
                  statements.add(new Statement(role, actions, res, s.path("Condition")));
                }
              }
            });
  }

  static List<Statement> allowing(String action) {
    return statements.stream().filter(s -> s.allows(action)).toList();
  }

  static Set<String> rolesAllowing(String action) {
    Set<String> roles = new TreeSet<>();
    allowing(action).forEach(s -> roles.add(s.role()));
    return roles;
  }

  static String role(String function) {
    StringBuilder out = new StringBuilder();
    for (String part : function.split("-")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out + "Role";
  }

  static Map<String, JsonNode> functionEnvironment(String function) {
    Map<String, JsonNode> env = new TreeMap<>();
    resources.forEach(
        r -> {
          if (r.path("Type").asText().equals("AWS::Lambda::Function")
              && r.path("Properties").path("FunctionName").asText().equals(function)) {
            r.path("Properties")
                .path("Environment")
                .path("Variables")
                .fields()
                .forEachRemaining(v -> env.put(v.getKey(), v.getValue()));
          }
        });
    assertThat(env).as("function " + function).isNotEmpty();
    return env;
  }

  @Test
  void poolsTable_hasThePoolStoreSchema_ttl_onDemand_andPointInTimeRecovery() {
    var schema = PoolStore.tableRequest("orchestra-pools");
    app.data.hasResourceProperties(
        "AWS::DynamoDB::Table",
        Map.of(
            "TableName",
            schema.tableName(),
            "BillingMode",
            "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification",
            Map.of("PointInTimeRecoveryEnabled", true),
            "TimeToLiveSpecification",
            Map.of("AttributeName", PoolStore.TTL_ATTRIBUTE, "Enabled", true),
            "KeySchema",
            List.of(
                Map.of(
                    "AttributeName", schema.keySchema().get(0).attributeName(), "KeyType", "HASH"),
                Map.of(
                    "AttributeName",
                    schema.keySchema().get(1).attributeName(),
                    "KeyType",
                    "RANGE"))));
    assertThat(app.data.findOutputs("PoolTableName", Match.anyValue())).isNotEmpty();
  }

  @Test
  void tickFunction_isDeployed_andOnlyPoolRulesMayInvokeIt() {
    Map<String, JsonNode> tick = functionEnvironment(FunctionCatalog.POOL_TICK);
    assertThat(tick)
        .containsKeys(EnvVars.POOL_TABLE, EnvVars.TABLE, EnvVars.RESULTS_QUEUE_URL, EnvVars.BUCKET);
    String permissions = app.workflows.findResources("AWS::Lambda::Permission").values().toString();
    assertThat(permissions).contains("PoolTick", "events.amazonaws.com", "rule/orchestra-pool-*");
    // The API creates each pool's rule with the tick's alias as its target.
    Map<String, JsonNode> api = functionEnvironment(FunctionCatalog.API);
    assertThat(api.get(EnvVars.POOL_TICK_FUNCTION_ARN).toString())
        .contains(":function:" + FunctionCatalog.POOL_TICK + ":" + WorkflowsStack.ALIAS);
    assertThat(api).containsKeys(EnvVars.POOL_TABLE, EnvVars.PERMISSIONS_BOUNDARY_ARN);
    for (String f :
        List.of(
            FunctionCatalog.DISPATCH, FunctionCatalog.RECORD_FAILURE, FunctionCatalog.RESULTS)) {
      assertThat(functionEnvironment(f)).as(f).containsKey(EnvVars.POOL_TABLE);
    }
  }

  @Test
  void onlyTheTickLaunches_andOnlyInstancesAndVolumesTaggedInTheRequest() {
    assertThat(rolesAllowing("ec2:RunInstances")).containsExactly(role(FunctionCatalog.POOL_TICK));
    assertThat(rolesAllowing("ec2:RequestSpotInstances"))
        .containsExactly(role(FunctionCatalog.POOL_TICK));
    for (Statement s : allowing("ec2:RunInstances")) {
      boolean createsTagged =
          s.text().contains(":instance/*")
              || s.text().contains(":volume/*")
              || s.text().contains(":spot-instances-request/*");
      if (createsTagged) {
        assertThat(s.condition().path("Null").path("aws:RequestTag/orchestra:pool").asText())
            .as(s.toString())
            .isEqualTo("false");
      } else {
        assertThat(s.text()).contains(":image/*", ":subnet/*", ":security-group/*");
      }
    }
    // Tags only as part of a launch.
    assertThat(allowing("ec2:CreateTags")).isNotEmpty();
    for (Statement s : allowing("ec2:CreateTags")) {
      JsonNode action = s.condition().path("StringEquals").path("ec2:CreateAction");
      List<String> values = new ArrayList<>();
      action.forEach(v -> values.add(v.asText()));
      assertThat(values)
          .as(s.toString())
          .containsExactlyInAnyOrder("RunInstances", "RequestSpotInstances");
    }
  }

  @Test
  void terminateAndCancel_areConditionedOnTheOwnershipTag_everywhere() {
    assertThat(rolesAllowing("ec2:TerminateInstances"))
        .containsExactlyInAnyOrder(
            role(FunctionCatalog.POOL_TICK),
            role(FunctionCatalog.DISPATCH),
            role(FunctionCatalog.RECORD_FAILURE),
            role(FunctionCatalog.API));
    assertThat(rolesAllowing("ec2:CancelSpotInstanceRequests"))
        .containsExactly(role(FunctionCatalog.POOL_TICK));
    List<Statement> destructive = new ArrayList<>(allowing("ec2:TerminateInstances"));
    destructive.addAll(allowing("ec2:CancelSpotInstanceRequests"));
    for (Statement s : destructive) {
      assertThat(s.condition().path("StringLike").path("aws:ResourceTag/orchestra:pool").asText())
          .as(s.toString())
          .isEqualTo("?*");
      assertThat(s.actions())
          .as(s.toString())
          .isSubsetOf("ec2:TerminateInstances", "ec2:CancelSpotInstanceRequests");
    }
    // Describe needs Resource *; nothing else of EC2 is granted on *.
    for (Statement s : statements) {
      if (s.resources().contains("\"*\"")) {
        assertThat(s.actions())
            .as(s.toString())
            .allMatch(a -> !a.startsWith("ec2:") || a.startsWith("ec2:Describe"));
      }
    }
  }

  @Test
  void poolRoles_arePassedOnlyToEc2_andCreatedOnlyWithTheBoundary_underTheirPrefix() {
    for (Statement s : allowing("iam:PassRole")) {
      assertThat(s.condition().path("StringEquals").has("iam:PassedToService"))
          .as(s.toString())
          .isTrue();
      if (s.text().contains("orchestra-pool-")) {
        assertThat(s.resources()).allMatch(r -> r.contains(":role/orchestra/orchestra-pool-*"));
        assertThat(s.condition().path("StringEquals").path("iam:PassedToService").asText())
            .isEqualTo("ec2.amazonaws.com");
      }
    }
    // The API makes a pool's role and profile; the tick only removes them.
    assertThat(rolesAllowing("iam:CreateInstanceProfile"))
        .containsExactly(role(FunctionCatalog.API));
    assertThat(rolesAllowing("iam:CreateRole")).doesNotContain(role(FunctionCatalog.POOL_TICK));
    assertThat(rolesAllowing("iam:DeleteInstanceProfile"))
        .containsExactly(role(FunctionCatalog.POOL_TICK));
    for (Statement s : allowing("iam:CreateInstanceProfile")) {
      assertThat(s.resources())
          .allMatch(r -> r.contains(":instance-profile/orchestra/orchestra-pool-*"));
    }
    for (Statement s : allowing("iam:CreateRole")) {
      if (s.text().contains("orchestra-pool-")) {
        assertThat(s.condition().path("StringEquals").has("iam:PermissionsBoundary"))
            .as(s.toString())
            .isTrue();
        assertThat(s.actions()).doesNotContain("iam:AttachRolePolicy");
      }
    }
    // The pool functions hold no other IAM power over runtime roles.
    assertThat(rolesAllowing("iam:AttachRolePolicy"))
        .doesNotContain(role(FunctionCatalog.API), role(FunctionCatalog.POOL_TICK));
  }

  @Test
  void queuesAndRules_ofPools_areScopedToTheirPrefix_andDispatchMayOnlySend() {
    for (String action :
        List.of(
            "sqs:CreateQueue",
            "sqs:DeleteQueue",
            "events:PutRule",
            "events:PutTargets",
            "events:DeleteRule")) {
      for (Statement s : allowing(action)) {
        if (s.role().equals(role(FunctionCatalog.API))
            || s.role().equals(role(FunctionCatalog.POOL_TICK))) {
          assertThat(s.resources()).as(action).allMatch(r -> r.contains("orchestra-pool-*"));
        }
      }
    }
    for (Statement s : allowing("sqs:SendMessage")) {
      if (s.role().equals(role(FunctionCatalog.DISPATCH))) {
        assertThat(s.text()).contains(":orchestra-pool-*");
      }
    }
    assertThat(rolesAllowing("sqs:CreateQueue")).containsExactly(role(FunctionCatalog.API));
    assertThat(rolesAllowing("sqs:DeleteQueue")).containsExactly(role(FunctionCatalog.POOL_TICK));
    // The agents' boundary lets them take items from pool work queues only.
    String boundary =
        app.workflows.findResources("AWS::IAM::ManagedPolicy").entrySet().stream()
            .filter(e -> e.getKey().startsWith("RuntimeRolesBoundary"))
            .findFirst()
            .orElseThrow()
            .getValue()
            .toString();
    assertThat(boundary).contains("PoolAgents", "sqs:ReceiveMessage", ":orchestra-pool-*");
  }
}
