package dev.orchestra.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.cluster.ClusterStepHandler;
import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.shared.EnvVars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The synthesized templates, with cdk.json's context: what each stack must declare. */
class StacksTest {
  private static SynthesizedApp app;

  @BeforeAll
  static void synth() {
    app = SynthesizedApp.get();
  }

  @Test
  void bucketIsPrivateEncryptedVersionedAndNotifiesTheIntakeQueue() {
    app.data.hasResourceProperties(
        "AWS::S3::Bucket",
        Map.of(
            "PublicAccessBlockConfiguration",
            Map.of(
                "BlockPublicAcls", true,
                "BlockPublicPolicy", true,
                "IgnorePublicAcls", true,
                "RestrictPublicBuckets", true),
            "VersioningConfiguration",
            Map.of("Status", "Enabled"),
            "BucketEncryption",
            Match.objectLike(Map.of()),
            "NotificationConfiguration",
            Map.of(
                "QueueConfigurations",
                List.of(
                    Match.objectLike(
                        Map.of(
                            "Event",
                            "s3:ObjectCreated:*",
                            "Filter",
                            Map.of(
                                "S3Key",
                                Map.of(
                                    "Rules",
                                    List.of(
                                        Map.of("Name", "prefix", "Value", "experiments/"),
                                        Map.of(
                                            "Name", "suffix", "Value", "/experiment.yml"))))))))));
    assertThat(app.data.toJSON().toString()).contains("aws:SecureTransport");
    // No custom resource for the notification.
    app.data.resourceCountIs("Custom::S3BucketNotifications", 0);
    assertThat(app.data.findResources("AWS::Lambda::Function")).isEmpty();
    // S3 may send to the intake queue, and the bucket is created after that policy.
    app.data.hasResourceProperties(
        "AWS::SQS::QueuePolicy",
        Match.objectLike(
            Map.of(
                "PolicyDocument",
                Match.objectLike(
                    Map.of(
                        "Statement",
                        Match.arrayWith(
                            List.of(
                                Match.objectLike(
                                    Map.of(
                                        "Principal",
                                        Map.of("Service", "s3.amazonaws.com"),
                                        "Action",
                                        "sqs:SendMessage")))))))));
    app.data.hasResource(
        "AWS::S3::Bucket",
        Match.objectLike(
            Map.of(
                "DependsOn",
                Match.arrayWith(List.of(Match.stringLikeRegexp("IntakeQueuePolicy.*"))))));
  }

  @Test
  void queuesHaveDeadLetterQueuesAlarmsAndVisibilityOfSixConsumerTimeouts() {
    for (String consumer : List.of(FunctionCatalog.INTAKE, FunctionCatalog.RESULTS)) {
      int timeout = FunctionSpecs.of(consumer).timeoutSeconds();
      app.data.hasResourceProperties(
          "AWS::SQS::Queue",
          Map.of(
              "QueueName",
              consumer,
              "VisibilityTimeout",
              6 * timeout,
              "SqsManagedSseEnabled",
              true,
              "RedrivePolicy",
              Match.objectLike(Map.of("maxReceiveCount", 5))));
      app.data.hasResourceProperties("AWS::SQS::Queue", Map.of("QueueName", consumer + "-dlq"));
      app.data.hasResourceProperties(
          "AWS::CloudWatch::Alarm",
          Match.objectLike(
              Map.of(
                  "AlarmName",
                  consumer + "-dlq-not-empty",
                  "MetricName",
                  "ApproximateNumberOfMessagesVisible",
                  "Threshold",
                  1)));
    }
  }

  @Test
  void tableHasTheStoreSchemaOnDemandAndPointInTimeRecovery() {
    app.data.hasResourceProperties(
        "AWS::DynamoDB::Table",
        Map.of(
            "TableName",
            "orchestra-experiments",
            "BillingMode",
            "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification",
            Map.of("PointInTimeRecoveryEnabled", true),
            "KeySchema",
            List.of(
                Map.of("AttributeName", "pk", "KeyType", "HASH"),
                Map.of("AttributeName", "sk", "KeyType", "RANGE"))));
  }

  @Test
  void everyCatalogFunctionIsDeployedWithSnapStartAnAliasAndItsOwnRole() {
    Template t = app.workflows;
    t.resourceCountIs("AWS::Lambda::Function", FunctionCatalog.all().size());
    t.resourceCountIs("AWS::Lambda::Alias", FunctionCatalog.all().size());
    for (FunctionCatalog.Entry e : FunctionCatalog.all()) {
      t.hasResourceProperties(
          "AWS::Lambda::Function",
          Match.objectLike(
              Map.of(
                  "FunctionName",
                  e.name(),
                  "Handler",
                  WorkflowsStack.HANDLER,
                  "SnapStart",
                  Map.of("ApplyOn", "PublishedVersions"),
                  "Environment",
                  Map.of(
                      "Variables",
                      Match.objectLike(
                          Map.of(
                              EnvVars.FUNCTION, e.name(),
                              EnvVars.TABLE, Match.anyValue(),
                              EnvVars.BUCKET, Match.anyValue(),
                              EnvVars.RESULTS_QUEUE_URL, Match.anyValue(),
                              EnvVars.EXPERIMENT_STATE_MACHINE_ARN, Match.anyValue(),
                              EnvVars.RUN_STATE_MACHINE_ARN, Match.anyValue()))))));
    }
    // One role per function (plus the state machines' roles).
    Map<String, Map<String, Object>> roles = t.findResources("AWS::IAM::Role");
    long lambdaRoles =
        roles.values().stream().filter(r -> r.toString().contains("lambda.amazonaws.com")).count();
    assertThat(lambdaRoles).isEqualTo(FunctionCatalog.all().size());
    // Event sources from both queues report partial batch failures.
    t.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
    t.allResourcesProperties(
        "AWS::Lambda::EventSourceMapping",
        Match.objectLike(Map.of("FunctionResponseTypes", List.of("ReportBatchItemFailures"))));
  }

  @Test
  void noPolicyGrantsAnActionWildcard() {
    for (Template t : List.of(app.data, app.workflows, app.api)) {
      String json = t.toJSON().toString();
      assertThat(json).doesNotContain("Action=*").doesNotContain("\"Action\":\"*\"");
      t.findResources("AWS::IAM::Policy")
          .values()
          .forEach(
              p ->
                  assertThat(p.toString()).doesNotContain("Action=*,").doesNotContain("Action=[*"));
    }
    // The intake function may start only the experiment machine; results may only answer tokens.
    Map<String, Map<String, Object>> policies = app.workflows.findResources("AWS::IAM::Policy");
    String results =
        policies.entrySet().stream()
            .filter(e -> e.getKey().startsWith("OrchestraResultsRole"))
            .findFirst()
            .orElseThrow()
            .getValue()
            .toString();
    assertThat(results)
        .contains("states:SendTaskSuccess")
        .doesNotContain("states:StartExecution")
        .doesNotContain("s3:");
  }

  @Test
  void oneStandardLoggedTracedStateMachinePerAslFileWithoutPlaceholders() throws Exception {
    long files;
    try (var s = Files.list(app.root.resolve("statemachines"))) {
      files = s.filter(p -> p.toString().endsWith(".asl.json")).count();
    }
    Template t = app.workflows;
    t.resourceCountIs("AWS::StepFunctions::StateMachine", (int) files);
    t.allResourcesProperties(
        "AWS::StepFunctions::StateMachine",
        Match.objectLike(
            Map.of(
                "StateMachineType",
                "STANDARD",
                "TracingConfiguration",
                Map.of("Enabled", true),
                "LoggingConfiguration",
                Match.objectLike(Map.of("Level", "ALL", "IncludeExecutionData", true)))));
    for (Map<String, Object> sm : t.findResources("AWS::StepFunctions::StateMachine").values()) {
      String definition =
          String.valueOf(((Map<?, ?>) sm.get("Properties")).get("DefinitionString"));
      assertThat(definition).doesNotContain("${").contains(":" + WorkflowsStack.ALIAS + "\"");
    }
    for (String name : List.of("orchestra-experiment", "orchestra-run")) {
      t.hasResourceProperties(
          "AWS::StepFunctions::StateMachine", Match.objectLike(Map.of("StateMachineName", name)));
    }
  }

  @Test
  void runtimeRolesAreScopedToTheirPathWithABoundaryAndPassedToServices() {
    String admin = managedPolicy("Admin");
    assertThat(admin)
        .contains("iam:CreateRole", "iam:AttachRolePolicy", "iam:DeleteRole")
        .contains("iam:PermissionsBoundary", ":role/orchestra/*")
        .doesNotContain("iam:PassRole");
    String pass = managedPolicy("Pass");
    assertThat(pass)
        .contains("iam:PassRole", "iam:PassedToService")
        .contains("eks.amazonaws.com", "pods.eks.amazonaws.com", ":role/orchestra/*")
        .doesNotContain("iam:CreateRole");
  }

  @Test
  void clusterTableHasTheClusterStoreSchemaOnDemandAndPointInTimeRecovery() {
    var schema = ClusterStore.tableRequest("orchestra-clusters");
    app.data.hasResourceProperties(
        "AWS::DynamoDB::Table",
        Map.of(
            "TableName",
            schema.tableName(),
            "BillingMode",
            "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification",
            Map.of("PointInTimeRecoveryEnabled", true),
            "KeySchema",
            List.of(
                Map.of(
                    "AttributeName",
                    schema.keySchema().get(0).attributeName(),
                    "KeyType",
                    "HASH"))));
  }

  @Test
  void clusterMachinesAreDeployedAndTheirStepsGetTheClusterTable() {
    for (String name :
        List.of(
            "orchestra-cluster-create", "orchestra-cluster-update", "orchestra-cluster-destroy")) {
      app.workflows.hasResourceProperties(
          "AWS::StepFunctions::StateMachine", Match.objectLike(Map.of("StateMachineName", name)));
    }
    for (ClusterStepHandler.Step step : ClusterStepHandler.Step.values()) {
      app.workflows.hasResourceProperties(
          "AWS::Lambda::Function",
          Match.objectLike(
              Map.of(
                  "FunctionName",
                  FunctionCatalog.clusterFunction(step),
                  "Environment",
                  Map.of(
                      "Variables",
                      Match.objectLike(Map.of(EnvVars.CLUSTER_TABLE, Match.anyValue()))))));
    }
    // The access-entry step names both Kubernetes-talking roles as admins and Dispatch's role.
    String entries =
        functionResource(
            FunctionCatalog.clusterFunction(ClusterStepHandler.Step.CREATE_ACCESS_ENTRIES));
    assertThat(entries)
        .contains(EnvVars.CLUSTER_OPS_ROLE_ARN, EnvVars.DISPATCHER_ROLE_ARN)
        .contains("OrchestraClusterBootstrapKubernetesRole", "OrchestraClusterIdleCheckRole")
        .contains("OrchestraDispatchRole");
    // EventBridge may invoke the idle check's alias, only from orchestra-idle-* rules.
    String permission = app.workflows.findResources("AWS::Lambda::Permission").values().toString();
    assertThat(permission).contains("events.amazonaws.com", "rule/orchestra-idle-*");
  }

  @Test
  void roleManagingPolicyIsAttachedOnlyToTheStepsThatManageRoles() {
    assertThat(rolesWith(managedPolicyId("Admin")))
        .containsExactlyInAnyOrder(
            roleId(ClusterStepHandler.Step.CREATE_ROLES),
            roleId(ClusterStepHandler.Step.ADVANCE_UPDATE),
            roleId(ClusterStepHandler.Step.ROLLBACK_REST),
            roleId(ClusterStepHandler.Step.DESTROY_ROLES));
    assertThat(rolesWith(managedPolicyId("Pass")))
        .containsExactlyInAnyOrder(
            roleId(ClusterStepHandler.Step.CREATE_CLUSTER),
            roleId(ClusterStepHandler.Step.CREATE_ADDONS),
            roleId(ClusterStepHandler.Step.CREATE_NODEGROUPS),
            roleId(ClusterStepHandler.Step.ADVANCE_UPDATE));
  }

  private static String managedPolicyId(String id) {
    return app.workflows.findResources("AWS::IAM::ManagedPolicy").keySet().stream()
        .filter(k -> k.startsWith("RuntimeRoles" + id))
        .findFirst()
        .orElseThrow();
  }

  private static String managedPolicy(String id) {
    return app.workflows
        .findResources("AWS::IAM::ManagedPolicy")
        .get(managedPolicyId(id))
        .toString();
  }

  /** Logical-id prefixes of the roles whose ManagedPolicyArns name the policy. */
  private static List<String> rolesWith(String policyId) {
    return app.workflows.findResources("AWS::IAM::Role").entrySet().stream()
        .filter(e -> String.valueOf(e.getValue()).contains("Ref=" + policyId))
        .map(e -> e.getKey().replaceAll("[0-9A-F]{8}$", ""))
        .toList();
  }

  private static String roleId(ClusterStepHandler.Step step) {
    StringBuilder out = new StringBuilder();
    for (String part : FunctionCatalog.clusterFunction(step).split("-")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out + "Role";
  }

  private static String functionResource(String name) {
    return app.workflows.findResources("AWS::Lambda::Function").values().stream()
        .map(String::valueOf)
        .filter(f -> f.contains("FunctionName=" + name + ","))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void everyApiMethodNeedsSigV4AndTheStageLogsAndThrottles() {
    app.api.allResourcesProperties(
        "AWS::ApiGateway::Method", Match.objectLike(Map.of("AuthorizationType", "AWS_IAM")));
    app.api.hasResourceProperties(
        "AWS::ApiGateway::Stage",
        Match.objectLike(
            Map.of(
                "AccessLogSetting",
                Match.objectLike(Map.of("DestinationArn", Match.anyValue())),
                "MethodSettings",
                Match.arrayWith(
                    List.of(
                        Match.objectLike(
                            Map.of(
                                "ThrottlingRateLimit", ApiStack.RATE_LIMIT,
                                "ThrottlingBurstLimit", ApiStack.BURST_LIMIT)))))));
  }

  @Test
  void stacksCarryTheEnvironmentTagAndReferToEachOtherThroughExports() {
    for (var stack : List.of(app.stacks.data(), app.stacks.workflows(), app.stacks.api())) {
      assertThat(stack.getTags().tagValues())
          .containsEntry(OrchestraApp.ENVIRONMENT_TAG, "orchestra");
    }
    // Strong references (cdk.json keeps defaultCrossStackReferences at "strong"): exports, so
    // OrchestraData cannot be deleted under OrchestraWorkflows; moto knows no Fn::GetStackOutput.
    String workflows = app.workflows.toJSON().toString();
    assertThat(workflows).contains("Fn::ImportValue").doesNotContain("Fn::GetStackOutput");
    // Partition literals (enablePartitionLiterals): the region is known, so ARNs say arn:aws:.
    assertThat(workflows).contains("arn:aws:states:us-east-1:");
  }

  @Test
  void everyPathGoesToTheApiFunctionThroughALambdaProxyIntegration() {
    // ANY on the root and on {proxy+}; nothing else, and no MOCK integration left.
    app.api.resourceCountIs("AWS::ApiGateway::Method", 2);
    app.api.allResourcesProperties(
        "AWS::ApiGateway::Method",
        Match.objectLike(
            Map.of(
                "HttpMethod",
                "ANY",
                "AuthorizationType",
                "AWS_IAM",
                "Integration",
                Match.objectLike(Map.of("Type", "AWS_PROXY", "IntegrationHttpMethod", "POST")))));
    app.api.hasResourceProperties(
        "AWS::ApiGateway::Resource", Match.objectLike(Map.of("PathPart", "{proxy+}")));
    app.api.hasResourceProperties(
        "AWS::Lambda::Permission",
        Match.objectLike(
            Map.of("Action", "lambda:InvokeFunction", "Principal", "apigateway.amazonaws.com")));
    assertThat(app.api.toJSON().toString()).contains("/invocations");
    // The API function's role: what its services call, and nothing of the cluster workflows'.
    String role =
        app.workflows.findResources("AWS::IAM::Policy").entrySet().stream()
            .filter(e -> e.getKey().startsWith("OrchestraApiRole"))
            .findFirst()
            .orElseThrow()
            .getValue()
            .toString();
    assertThat(role)
        .contains("dynamodb:Scan")
        .contains("states:StopExecution")
        .contains("states:GetExecutionHistory")
        .contains("iam:UpdateAssumeRolePolicy")
        .doesNotContain("eks:CreateCluster")
        .doesNotContain("iam:AttachRolePolicy")
        .doesNotContain("ec2:RunInstances")
        .doesNotContain("ec2:CancelSpotInstanceRequests");
    // Its IAM writes are the pools' agent roles only (PoolStackTest checks their conditions).
    assertThat(role).contains("iam:CreateRole", "role/orchestra/orchestra-pool-*");
  }

  @Test
  void outputsNameTheApiTheBucketAndTheStateMachines() {
    assertThat(app.api.findOutputs("ApiUrl", Match.anyValue())).isNotEmpty();
    assertThat(app.data.findOutputs("BucketName", Match.anyValue())).isNotEmpty();
    assertThat(app.workflows.findOutputs("*", Match.anyValue()).keySet())
        .anyMatch(k -> k.startsWith("OrchestraExperimentStateMachineArn"))
        .anyMatch(k -> k.startsWith("OrchestraRunStateMachineArn"));
    assertThat(Path.of(app.outdir.toString(), "OrchestraWorkflows.template.json")).exists();
  }
}
