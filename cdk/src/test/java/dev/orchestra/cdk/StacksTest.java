package dev.orchestra.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.FunctionCatalog;
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
    String admin =
        app.workflows.findResources("AWS::IAM::ManagedPolicy").entrySet().stream()
            .filter(e -> e.getKey().contains("Admin"))
            .findFirst()
            .orElseThrow()
            .getValue()
            .toString();
    assertThat(admin)
        .contains("iam:CreateRole", "iam:PermissionsBoundary", "iam:PassRole")
        .contains("iam:PassedToService", "eks.amazonaws.com", ":role/orchestra/*");
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
  void outputsNameTheApiTheBucketAndTheStateMachines() {
    assertThat(app.api.findOutputs("ApiUrl", Match.anyValue())).isNotEmpty();
    assertThat(app.data.findOutputs("BucketName", Match.anyValue())).isNotEmpty();
    assertThat(app.workflows.findOutputs("*", Match.anyValue()).keySet())
        .anyMatch(k -> k.startsWith("OrchestraExperimentStateMachineArn"))
        .anyMatch(k -> k.startsWith("OrchestraRunStateMachineArn"));
    assertThat(Path.of(app.outdir.toString(), "OrchestraWorkflows.template.json")).exists();
  }
}
