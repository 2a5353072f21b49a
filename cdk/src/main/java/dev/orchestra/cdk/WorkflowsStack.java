package dev.orchestra.cdk;

import dev.orchestra.cdk.Definitions.Definition;
import dev.orchestra.cdk.FunctionSpecs.Access;
import dev.orchestra.cdk.FunctionSpecs.Spec;
import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.cluster.ClusterStepHandler;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.config.PoolConfig;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.CfnEventSourceMapping;
import software.amazon.awscdk.services.lambda.CfnPermission;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.constructs.Construct;

/**
 * The Java functions of {@link FunctionCatalog} (one role each, SnapStart on a published version
 * behind the alias {@value #ALIAS}), their SQS event sources, and one state machine per {@code
 * statemachines/*.asl.json} that calls the functions through their alias ARNs.
 */
public final class WorkflowsStack extends Stack {
  public static final String ALIAS = "live";
  public static final String HANDLER = "dev.orchestra.functions.LambdaEntry::handleRequest";

  /** Ten missed heartbeats (every 60 s) fail an attempt, as in the local runtime's plan. */
  public static final String RUN_HEARTBEAT_TIMEOUT_SECONDS = "600";

  /** The cluster-destroy state machine's short name (statemachines/cluster-destroy.asl.json). */
  public static final String CLUSTER_DESTROY = "cluster-destroy";

  /** ClusterIdle's rule names: this prefix and the cluster name. */
  public static final String IDLE_RULE_PREFIX = "orchestra-idle-";

  private static final String IDLE_CHECK =
      FunctionCatalog.clusterFunction(ClusterStepHandler.Step.IDLE_CHECK);

  private final Map<String, Role> roles = new LinkedHashMap<>();
  private RuntimeRoles runtimeRoles;
  private final Map<String, Alias> aliases = new LinkedHashMap<>();
  private final Map<String, Function> functions = new LinkedHashMap<>();
  private final Map<String, StateMachine> machines = new LinkedHashMap<>();
  private final Map<String, String> machineArns = new LinkedHashMap<>();

  public WorkflowsStack(
      Construct scope, String id, StackProps props, Settings settings, DataStack data) {
    super(scope, id, props);
    List<Definition> definitions = Definitions.load(settings.root().resolve("statemachines"));
    // Machine ARNs are built from their names, so functions can name them without a dependency
    // cycle (the machines depend on the functions' aliases).
    for (Definition d : definitions) {
      machineArns.put(
          d.name(),
          formatArn(
              ArnComponents.builder()
                  .service("states")
                  .resource("stateMachine")
                  .resourceName(machineName(settings, d))
                  .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                  .build()));
    }

    Map<String, String> environment = new LinkedHashMap<>();
    environment.put(EnvVars.TABLE, data.table().getTableName());
    environment.put(EnvVars.BUCKET, data.bucket().getBucketName());
    environment.put(EnvVars.RESULTS_QUEUE_URL, data.resultsQueue().getQueueUrl());
    environment.put(EnvVars.RUN_HEARTBEAT_TIMEOUT_SECONDS, RUN_HEARTBEAT_TIMEOUT_SECONDS);
    for (Definition d : definitions) {
      environment.put(d.arnEnvVar(), machineArns.get(d.name()));
    }
    settings.defaultCluster().ifPresent(c -> environment.put(EnvVars.DEFAULT_CLUSTER, c));
    settings.reporterImage().ifPresent(i -> environment.put(EnvVars.REPORTER_IMAGE, i));
    settings.subnetIds().ifPresent(s -> environment.put(EnvVars.SUBNET_IDS, s));
    // Tiered compilation stopped at C1: the usual cold-start setting for short Java functions.
    environment.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

    runtimeRoles = new RuntimeRoles(this, "RuntimeRoles", settings);
    // Roles first: some functions name other functions' roles (the cluster access entries).
    for (FunctionCatalog.Entry entry : FunctionCatalog.all()) {
      roles.put(
          entry.name(),
          Role.Builder.create(this, camel(entry.name()) + "Role")
              .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
              .description(
                  "Function "
                      + settings.physicalName(entry.name())
                      + ": only the calls its code makes")
              .build());
    }
    for (FunctionCatalog.Entry entry : FunctionCatalog.all()) {
      aliases.put(entry.name(), function(settings, data, entry.name(), environment));
    }
    if (!settings.emulator()) {
      idleCheckPermission(settings);
      if (aliases.containsKey(FunctionCatalog.POOL_TICK)) {
        poolTickPermission(settings);
      }
    }

    if (!settings.emulator()) {
      eventSource(data.intakeQueue(), FunctionCatalog.INTAKE, 2);
      eventSource(data.resultsQueue(), FunctionCatalog.RESULTS, 4);
    }

    for (Definition d : definitions) {
      machines.put(d.name(), stateMachine(settings, d));
    }
  }

  private Alias function(
      Settings settings, DataStack data, String name, Map<String, String> environment) {
    Spec spec = FunctionSpecs.of(name);
    String physical = settings.physicalName(name);
    String id = camel(name);
    LogGroup logs =
        LogGroup.Builder.create(this, id + "Logs")
            .logGroupName("/aws/lambda/" + physical)
            .retention(RetentionDays.ONE_MONTH)
            .removalPolicy(RemovalPolicy.DESTROY)
            .build();
    Role role = roles.get(name);
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.put(EnvVars.FUNCTION, name);
    if (FunctionSpecs.CLUSTER.equals(spec.group())
        || spec.access().contains(Access.CLUSTER_TABLE)) {
      // ClusterContext requires the clusters table in every cluster step.
      env.put(EnvVars.CLUSTER_TABLE, data.clusterTable().getTableName());
    }
    if (spec.access().contains(Access.POOL_TABLE)) {
      env.put(EnvVars.POOL_TABLE, data.poolTable().getTableName());
    }
    List<NagPackSuppression> suppressions = new ArrayList<>();
    role.addToPolicy(
        allow(
            List.of("logs:CreateLogStream", "logs:PutLogEvents"), List.of(logs.getLogGroupArn())));
    for (Access access : spec.access()) {
      switch (access) {
        case TABLE ->
            role.addToPolicy(
                allow(
                    List.of(
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:Query",
                        "dynamodb:ConditionCheckItem"),
                    List.of(data.table().getTableArn())));
        case BUCKET_READ -> {
          role.addToPolicy(
              allow(List.of("s3:GetObject"), List.of(data.bucket().arnForObjects("*"))));
        }
        case BUCKET_WRITE -> {
          role.addToPolicy(
              allow(List.of("s3:PutObject"), List.of(data.bucket().arnForObjects("*"))));
        }
        case START_EXPERIMENT ->
            role.addToPolicy(
                allow(List.of("states:StartExecution"), List.of(machineArns.get("experiment"))));
        case START_RUN ->
            role.addToPolicy(
                allow(List.of("states:StartExecution"), List.of(machineArns.get("run"))));
        case TASK_EXPERIMENT ->
            role.addToPolicy(allow(TASK_ACTIONS, List.of(machineArns.get("experiment"))));
        case TASK_RUN -> role.addToPolicy(allow(TASK_ACTIONS, List.of(machineArns.get("run"))));
        case EKS_DESCRIBE -> {
          role.addToPolicy(
              allow(
                  List.of("eks:DescribeCluster"),
                  List.of(
                      formatArn(
                          ArnComponents.builder()
                              .service("eks")
                              .resource("cluster")
                              .resourceName("*")
                              .build()))));
        }
        case CLUSTER_TABLE ->
            role.addToPolicy(
                allow(
                    List.of("dynamodb:GetItem", "dynamodb:UpdateItem"),
                    List.of(data.clusterTable().getTableArn())));
        case CLUSTER_TABLE_DELETE ->
            role.addToPolicy(
                allow(List.of("dynamodb:DeleteItem"), List.of(data.clusterTable().getTableArn())));
        case IAM_POLICY_READ -> {
          role.addToPolicy(
              allow(
                  List.of("iam:GetPolicy", "iam:GetPolicyVersion"),
                  List.of(iamArn("aws", "policy/*"), iamArn(getAccount(), "policy/*"))));
          env.put(EnvVars.PERMISSIONS_BOUNDARY_ARN, runtimeRoles.boundary().getManagedPolicyArn());
        }
        case RUNTIME_ROLE_READ ->
            role.addToPolicy(
                allow(
                    List.of("iam:GetRole"),
                    List.of(iamArn(getAccount(), "role" + RuntimeRoles.PATH + "*"))));
        case RUNTIME_ROLES_PASS -> role.addManagedPolicy(runtimeRoles.passPolicy());
        case RUNTIME_ROLES_MANAGE -> {
          role.addManagedPolicy(runtimeRoles.adminPolicy());
          env.put(EnvVars.PERMISSIONS_BOUNDARY_ARN, runtimeRoles.boundary().getManagedPolicyArn());
        }
        case EC2_DESCRIBE -> {
          role.addToPolicy(allow(List.of("ec2:DescribeSubnets"), List.of("*")));
          suppressions.add(
              NagPackSuppression.builder()
                  .id("AwsSolutions-IAM5")
                  .reason(
                      "ec2:DescribeSubnets supports no resource-level permissions; IAM requires"
                          + " Resource *.")
                  .appliesTo(List.of("Resource::*"))
                  .build());
        }
        case EKS_CLUSTER_WRITE -> {
          role.addToPolicy(
              allow(
                  List.of(
                      "eks:CreateCluster",
                      "eks:DeleteCluster",
                      "eks:DescribeCluster",
                      "eks:UpdateClusterVersion",
                      "eks:DescribeUpdate",
                      "eks:TagResource",
                      "eks:UntagResource"),
                  List.of(eksArn("cluster"), eksArn("nodegroup"))));
          // EKS creates its service-linked role on an account's first cluster.
          role.addToPolicy(
              PolicyStatement.Builder.create()
                  .effect(Effect.ALLOW)
                  .actions(List.of("iam:CreateServiceLinkedRole"))
                  .resources(
                      List.of(
                          iamArn(
                              getAccount(),
                              "role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"),
                          iamArn(
                              getAccount(),
                              "role/aws-service-role/eks-nodegroup.amazonaws.com/"
                                  + "AWSServiceRoleForAmazonEKSNodegroup")))
                  .conditions(
                      Map.of(
                          "StringEquals",
                          Map.of(
                              "iam:AWSServiceName",
                              List.of("eks.amazonaws.com", "eks-nodegroup.amazonaws.com"))))
                  .build());
        }
        case EKS_NODEGROUPS_READ ->
            role.addToPolicy(
                allow(
                    List.of("eks:ListNodegroups", "eks:DescribeNodegroup"),
                    List.of(eksArn("cluster"), eksArn("nodegroup"))));
        case EKS_NODEGROUPS_WRITE ->
            role.addToPolicy(
                allow(
                    List.of(
                        "eks:CreateNodegroup",
                        "eks:DeleteNodegroup",
                        "eks:UpdateNodegroupConfig",
                        "eks:DescribeUpdate",
                        "eks:TagResource"),
                    List.of(eksArn("cluster"), eksArn("nodegroup"))));
        case EKS_ACCESS_ENTRIES -> {
          role.addToPolicy(
              allow(
                  List.of(
                      "eks:CreateAccessEntry",
                      "eks:DeleteAccessEntry",
                      "eks:DescribeAccessEntry",
                      "eks:AssociateAccessPolicy"),
                  List.of(eksArn("cluster"), eksArn("access-entry"))));
          // The Kubernetes-talking steps' roles are cluster admins, Dispatch edits runs.
          env.put(
              EnvVars.CLUSTER_OPS_ROLE_ARN,
              String.join(
                  ",",
                  FunctionCatalog.all().stream()
                      .map(FunctionCatalog.Entry::name)
                      .filter(n -> FunctionSpecs.of(n).access().contains(Access.KUBERNETES))
                      .map(n -> roles.get(n).getRoleArn())
                      .toList()));
          env.put(EnvVars.DISPATCHER_ROLE_ARN, roles.get(FunctionCatalog.DISPATCH).getRoleArn());
        }
        case EKS_ADDONS ->
            role.addToPolicy(
                allow(
                    List.of(
                        "eks:CreateAddon",
                        "eks:DeleteAddon",
                        "eks:DescribeAddon",
                        "eks:ListPodIdentityAssociations",
                        "eks:CreatePodIdentityAssociation",
                        "eks:DeletePodIdentityAssociation",
                        "eks:TagResource"),
                    List.of(eksArn("cluster"), eksArn("addon"), eksArn("podidentityassociation"))));
        case KUBERNETES ->
            role.addToPolicy(allow(List.of("eks:DescribeCluster"), List.of(eksArn("cluster"))));
        case IDLE_SCHEDULE -> {
          role.addToPolicy(
              allow(
                  List.of("events:PutRule", "events:PutTargets", "events:TagResource"),
                  List.of(idleRules())));
          env.put(EnvVars.IDLE_CHECK_FUNCTION_ARN, idleCheckArn(settings));
          suppressions.add(idleRuleSuppression());
        }
        case IDLE_UNSCHEDULE -> {
          role.addToPolicy(
              allow(List.of("events:RemoveTargets", "events:DeleteRule"), List.of(idleRules())));
          suppressions.add(idleRuleSuppression());
        }
        case TABLE_SCAN ->
            role.addToPolicy(allow(List.of("dynamodb:Scan"), List.of(data.table().getTableArn())));
        case CLUSTER_TABLE_SCAN ->
            role.addToPolicy(
                allow(List.of("dynamodb:Scan"), List.of(data.clusterTable().getTableArn())));
        case STOP_RUN ->
            role.addToPolicy(
                allow(
                    List.of("states:DescribeExecution", "states:StopExecution"),
                    List.of(executionsOf("run"))));
        case CLUSTER_LIFECYCLE -> {
          List<String> lifecycle = List.of("cluster-create", "cluster-update", CLUSTER_DESTROY);
          role.addToPolicy(
              allow(
                  List.of("states:StartExecution"),
                  lifecycle.stream().map(machineArns::get).toList()));
          role.addToPolicy(
              allow(
                  List.of("states:DescribeExecution", "states:GetExecutionHistory"),
                  lifecycle.stream().map(this::executionsOf).toList()));
        }
        case RUNTIME_ROLE_TRUST ->
            role.addToPolicy(
                allow(
                    List.of("iam:GetRole", "iam:UpdateAssumeRolePolicy"),
                    List.of(iamArn(getAccount(), "role" + RuntimeRoles.PATH + "*"))));
        case START_CLUSTER_DESTROY ->
            role.addToPolicy(
                allow(List.of("states:StartExecution"), List.of(machineArns.get(CLUSTER_DESTROY))));
        case POOL_TABLE ->
            role.addToPolicy(
                allow(
                    List.of(
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:Query"),
                    List.of(data.poolTable().getTableArn())));
        case POOL_TABLE_DELETE ->
            role.addToPolicy(
                allow(List.of("dynamodb:DeleteItem"), List.of(data.poolTable().getTableArn())));
        case POOL_TABLE_SCAN ->
            role.addToPolicy(
                allow(List.of("dynamodb:Scan"), List.of(data.poolTable().getTableArn())));
        case POOL_RESOURCES -> {
          poolResources(role);
          env.put(EnvVars.PERMISSIONS_BOUNDARY_ARN, runtimeRoles.boundary().getManagedPolicyArn());
          env.put(EnvVars.POOL_TICK_FUNCTION_ARN, poolTickArn(settings));
          suppressions.add(poolNamesSuppression());
        }
        case POOL_RESOURCES_REMOVE -> {
          poolResourcesRemove(role);
          suppressions.add(poolNamesSuppression());
        }
        case POOL_QUEUE_SEND -> {
          role.addToPolicy(allow(List.of("sqs:SendMessage"), List.of(poolQueues())));
          suppressions.add(poolNamesSuppression());
        }
        case POOL_INSTANCES_READ -> {
          role.addToPolicy(allow(List.of("ec2:DescribeInstances"), List.of("*")));
          suppressions.add(describeSuppression());
        }
        case POOL_EC2_DESCRIBE -> {
          role.addToPolicy(allow(List.of("ec2:Describe*"), List.of("*")));
          suppressions.add(describeSuppression());
        }
        case POOL_TERMINATE ->
            role.addToPolicy(
                tagged(
                    "TerminateOnlyPoolInstances",
                    List.of("ec2:TerminateInstances"),
                    List.of(ec2Arn("instance"))));
        case POOL_CANCEL_SPOT ->
            role.addToPolicy(
                tagged(
                    "CancelOnlyPoolSpotRequests",
                    List.of("ec2:CancelSpotInstanceRequests"),
                    List.of(ec2Arn("spot-instances-request"))));
        case POOL_LAUNCH -> poolLaunch(role);
        case TABLE_READ ->
            role.addToPolicy(
                allow(
                    List.of("dynamodb:GetItem", "dynamodb:Query"),
                    List.of(data.table().getTableArn())));
        case FAIL_RUN_TASK ->
            role.addToPolicy(
                allow(
                    List.of("states:SendTaskFailure", "states:SendTaskHeartbeat"),
                    List.of(machineArns.get("run"))));
        default -> throw new IllegalStateException("unhandled access " + access);
      }
    }
    Function fn =
        Function.Builder.create(this, id)
            .functionName(physical)
            .description("Orchestra " + name + " (FunctionCatalog)")
            .runtime(Runtime.JAVA_21)
            .handler(HANDLER)
            .code(Code.fromAsset(jar(settings, spec.group()).toString()))
            .memorySize(spec.memoryMb())
            .timeout(Duration.seconds(spec.timeoutSeconds()))
            .role(role)
            .logGroup(logs)
            .environment(env)
            .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
            .build();
    // The alias publishes the version SnapStart snapshots.
    Annotations.of(fn)
        .acknowledgeWarning(
            "@aws-cdk/aws-lambda:snapStartRequirePublish",
            "currentVersion is published and the alias " + ALIAS + " points at it");
    suppressions.add(
        NagPackSuppression.builder()
            .id("AwsSolutions-IAM5")
            .reason(
                "Log streams are created at run time under the function's own log group (:*);"
                    + " bucket objects have run-time keys; EKS clusters, node groups, add-ons,"
                    + " access entries and runtime roles have names chosen at run time; policies"
                    + " (policy/*) are read to check the user's aws.additional_policies.")
            .appliesTo(List.of(OBJECT_WILDCARDS))
            .build());
    NagSuppressions.addResourceSuppressions(role, suppressions, true);
    NagSuppressions.addResourceSuppressions(
        fn,
        List.of(
            NagPackSuppression.builder()
                .id("AwsSolutions-L1")
                .reason(
                    "java21 is the newest Java runtime the local emulator (moto 5.2.1) and"
                        + " cfn-lint 1.51 accept; the code targets Java 17.")
                .build()));
    functions.put(name, fn);
    return Alias.Builder.create(this, id + "Alias")
        .aliasName(ALIAS)
        .version(fn.getCurrentVersion())
        .build();
  }

  /** The executions of a machine: {@code arn:...:execution:<machine name>:*}. */
  private String executionsOf(String definition) {
    return machineArns.get(definition).replace(":stateMachine:", ":execution:") + ":*";
  }

  /** The alias a function is invoked through (the API's proxy integration uses it). */
  public Alias alias(String function) {
    return aliases.get(function);
  }

  /**
   * Wildcards allowed by a suppression: only a resource's sub-resources ({@code arn/*}, {@code
   * arn:*}), never a bare {@code *} or an action wildcard.
   */
  static final RegexAppliesTo OBJECT_WILDCARDS =
      RegexAppliesTo.builder().regex("/^Resource::.+[^:](\\/\\*|:\\*)$/g").build();

  private static final List<String> TASK_ACTIONS =
      List.of("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat");

  /**
   * An SQS event source on the function's alias, named by the alias ARN built from the function's
   * ARN (moto's CloudFormation skips aliases, so a Ref to one would not resolve there).
   */
  private void eventSource(IQueue queue, String function, int maxConcurrency) {
    Function fn = functions.get(function);
    queue.grantConsumeMessages(fn.getRole());
    CfnEventSourceMapping mapping =
        CfnEventSourceMapping.Builder.create(this, camel(function) + "SqsEventSource")
            .functionName(aliasArn(function))
            .eventSourceArn(queue.getQueueArn())
            .batchSize(10)
            .scalingConfig(
                CfnEventSourceMapping.ScalingConfigProperty.builder()
                    .maximumConcurrency(maxConcurrency)
                    .build())
            .functionResponseTypes(List.of("ReportBatchItemFailures"))
            .build();
    mapping.getNode().addDependency(aliases.get(function));
    mapping.getNode().addDependency(fn.getRole());
  }

  /**
   * The alias ARN, built from the function's ARN: the same string as the alias's own ARN, but it
   * resolves (and can be exported) where moto's CloudFormation skips the alias.
   */
  public String aliasArn(String function) {
    return functions.get(function).getFunctionArn() + ":" + ALIAS;
  }

  private StateMachine stateMachine(Settings settings, Definition d) {
    Map<String, String> values = new LinkedHashMap<>();
    FunctionCatalog.ARN_PLACEHOLDERS.forEach(
        (placeholder, fn) -> values.put(placeholder, aliasArn(fn)));
    String physical = machineName(settings, d);
    String id = camel("orchestra-" + d.name()) + "StateMachine";
    LogGroup logs =
        LogGroup.Builder.create(this, id + "Logs")
            .logGroupName("/aws/vendedlogs/states/" + physical)
            .retention(RetentionDays.ONE_MONTH)
            .removalPolicy(RemovalPolicy.DESTROY)
            .build();
    StateMachine sm =
        StateMachine.Builder.create(this, id)
            .stateMachineName(physical)
            .stateMachineType(StateMachineType.STANDARD)
            .definitionBody(DefinitionBody.fromString(Definitions.substitute(d, values)))
            .logs(
                LogOptions.builder()
                    .destination(logs)
                    .level(LogLevel.ALL)
                    .includeExecutionData(true)
                    .build())
            .tracingEnabled(true)
            .build();
    // An ASL file gets no automatic grants: invoke exactly the functions it names.
    for (String placeholder : d.placeholders()) {
      String fn = FunctionCatalog.ARN_PLACEHOLDERS.get(placeholder);
      if (fn != null) {
        sm.addToRolePolicy(allow(List.of("lambda:InvokeFunction"), List.of(aliasArn(fn))));
        sm.getNode().addDependency(aliases.get(fn));
      }
    }
    NagSuppressions.addResourceSuppressions(
        sm,
        List.of(
            NagPackSuppression.builder()
                .id("AwsSolutions-IAM5")
                .reason(
                    "CloudWatch Logs delivery and X-Ray trace APIs support no resource-level"
                        + " permissions (Resource *), as Step Functions' logging and tracing need;"
                        + " functions are invoked by their exact alias ARNs.")
                .build()),
        true);
    CfnOutput.Builder.create(this, id + "Arn").value(sm.getStateMachineArn()).build();
    return sm;
  }

  private static String machineName(Settings settings, Definition d) {
    return settings.physicalName("orchestra-" + d.name());
  }

  private static Path jar(Settings settings, String group) {
    Path jar = settings.lambdaJarDir().resolve(FunctionSpecs.jarName(group));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar
              + " is missing: build the Lambda jars first with `mvn -B -Plambda -pl functions -am"
              + " package -DskipTests` (or set context "
              + Settings.LAMBDA_JAR_DIR
              + ")");
    }
    return jar;
  }

  /** Every EKS resource of a type in this account and region ({@code cluster/*}, ...). */
  private String eksArn(String type) {
    return formatArn(
        ArnComponents.builder().service("eks").resource(type).resourceName("*").build());
  }

  private String iamArn(String account, String resource) {
    return formatArn(
        ArnComponents.builder()
            .service("iam")
            .region("")
            .account(account)
            .resource(resource)
            .arnFormat(ArnFormat.NO_RESOURCE_NAME)
            .build());
  }

  /** The idle-check rules ClusterIdle names {@code orchestra-idle-<cluster>}. */
  private String idleRules() {
    return formatArn(
        ArnComponents.builder()
            .service("events")
            .resource("rule")
            .resourceName(IDLE_RULE_PREFIX + "*")
            .build());
  }

  private static NagPackSuppression idleRuleSuppression() {
    return NagPackSuppression.builder()
        .id("AwsSolutions-IAM5")
        .reason(
            "Idle-check rules are named "
                + IDLE_RULE_PREFIX
                + "<cluster> at run time, one per cluster (ClusterIdle).")
        .appliesTo(
            List.of(
                RegexAppliesTo.builder()
                    .regex("/^Resource::.+:rule\\/" + IDLE_RULE_PREFIX + "\\*$/g")
                    .build()))
        .build();
  }

  /** The idle check's alias ARN, built from its name (its own environment names it too). */
  private String idleCheckArn(Settings settings) {
    return formatArn(
            ArnComponents.builder()
                .service("lambda")
                .resource("function")
                .resourceName(settings.physicalName(IDLE_CHECK))
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                .build())
        + ":"
        + ALIAS;
  }

  /** EventBridge may invoke the idle check's alias, only from this account's idle rules. */
  private void idleCheckPermission(Settings settings) {
    CfnPermission permission =
        CfnPermission.Builder.create(this, "IdleCheckInvokedByEvents")
            .action("lambda:InvokeFunction")
            .functionName(aliasArn(IDLE_CHECK))
            .principal("events.amazonaws.com")
            .sourceArn(idleRules())
            .sourceAccount(getAccount())
            .build();
    permission.getNode().addDependency(aliases.get(IDLE_CHECK));
  }

  /** Pool resources' names: {@code orchestra-pool-<pool>...} (RuntimeRoles.POOL_PREFIX). */
  static final String POOL_PREFIX = RuntimeRoles.POOL_PREFIX;

  /** The pools' work queues. */
  private String poolQueues() {
    return formatArn(
        ArnComponents.builder()
            .service("sqs")
            .resource(POOL_PREFIX + "*")
            .arnFormat(ArnFormat.NO_RESOURCE_NAME)
            .build());
  }

  /** The pools' tick rules {@code orchestra-pool-<pool>-tick}. */
  private String poolRules() {
    return formatArn(
        ArnComponents.builder()
            .service("events")
            .resource("rule")
            .resourceName(POOL_PREFIX + "*")
            .build());
  }

  /** The pools' agent roles {@code role/orchestra/orchestra-pool-<pool>-agent}. */
  private String poolRoles() {
    return iamArn(getAccount(), "role" + RuntimeRoles.PATH + POOL_PREFIX + "*");
  }

  /** EC2 resources of a type in this account and region ({@code instance/*}, ...). */
  private String ec2Arn(String type) {
    return formatArn(
        ArnComponents.builder().service("ec2").resource(type).resourceName("*").build());
  }

  private String poolProfiles() {
    return iamArn(getAccount(), "instance-profile" + RuntimeRoles.PATH + POOL_PREFIX + "*");
  }

  /**
   * Making a pool's own resources (PoolResources.ensure): its work queue, its agents' role (created
   * and given its inline policy only with the boundary) and instance profile under /orchestra/, and
   * its tick rule; each scoped to the {@code orchestra-pool-} names.
   */
  private void poolResources(Role role) {
    role.addToPolicy(
        allow(
            List.of("sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue"),
            List.of(poolQueues())));
    role.addToPolicy(
        allow(
            List.of("events:PutRule", "events:PutTargets", "events:TagResource"),
            List.of(poolRules())));
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("PoolRolesWithBoundary")
            .effect(Effect.ALLOW)
            .actions(List.of("iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy"))
            .resources(List.of(poolRoles()))
            .conditions(poolBoundary())
            .build());
    role.addToPolicy(allow(List.of("iam:GetRole"), List.of(poolRoles())));
    role.addToPolicy(
        allow(
            List.of(
                "iam:CreateInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:GetInstanceProfile",
                "iam:AddRoleToInstanceProfile"),
            List.of(poolProfiles())));
    // AddRoleToInstanceProfile needs iam:PassRole on the role.
    role.addToPolicy(passPoolRoleToEc2());
  }

  /**
   * The work queue's depth (the tick's pending runs), and removing a destroyed pool's resources
   * (PoolResources.remove): rule, queue, instance profile, role and its inline policy.
   */
  private void poolResourcesRemove(Role role) {
    role.addToPolicy(
        allow(
            List.of("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:DeleteQueue"),
            List.of(poolQueues())));
    role.addToPolicy(
        allow(List.of("events:RemoveTargets", "events:DeleteRule"), List.of(poolRules())));
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("PoolRolePolicyDelete")
            .effect(Effect.ALLOW)
            .actions(List.of("iam:DeleteRolePolicy"))
            .resources(List.of(poolRoles()))
            .conditions(poolBoundary())
            .build());
    role.addToPolicy(
        allow(
            List.of("iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:DeleteRole"),
            List.of(poolRoles())));
    role.addToPolicy(
        allow(
            List.of(
                "iam:GetInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile"),
            List.of(poolProfiles())));
  }

  private Map<String, Object> poolBoundary() {
    return Map.of(
        "StringEquals",
        Map.of("iam:PermissionsBoundary", runtimeRoles.boundary().getManagedPolicyArn()));
  }

  /** iam:PassRole of the pools' agent roles, to EC2 only. */
  private PolicyStatement passPoolRoleToEc2() {
    return PolicyStatement.Builder.create()
        .sid("PassPoolRolesToEc2")
        .effect(Effect.ALLOW)
        .actions(List.of("iam:PassRole"))
        .resources(List.of(poolRoles()))
        .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "ec2.amazonaws.com")))
        .build();
  }

  /**
   * Launching: instances and volumes only when the request tags them {@code orchestra:pool}; the
   * other resources a launch touches; tags only as part of a launch; the agents' roles to EC2.
   */
  private void poolLaunch(Role role) {
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchOnlyTagged")
            .effect(Effect.ALLOW)
            .actions(List.of("ec2:RunInstances", "ec2:RequestSpotInstances"))
            .resources(
                List.of(ec2Arn("instance"), ec2Arn("volume"), ec2Arn("spot-instances-request")))
            .conditions(
                Map.of("Null", Map.of("aws:RequestTag/" + PoolConfig.OWNERSHIP_TAG, "false")))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchUses")
            .effect(Effect.ALLOW)
            .actions(List.of("ec2:RunInstances"))
            .resources(
                List.of(
                    formatArn(
                        ArnComponents.builder()
                            .service("ec2")
                            .account("")
                            .resource("image")
                            .resourceName("*")
                            .build()),
                    ec2Arn("subnet"),
                    ec2Arn("security-group"),
                    ec2Arn("network-interface")))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("TagOnLaunchOnly")
            .effect(Effect.ALLOW)
            .actions(List.of("ec2:CreateTags"))
            .resources(
                List.of(
                    ec2Arn("instance"),
                    ec2Arn("volume"),
                    ec2Arn("spot-instances-request"),
                    ec2Arn("network-interface")))
            .conditions(
                Map.of(
                    "StringEquals",
                    Map.of("ec2:CreateAction", List.of("RunInstances", "RequestSpotInstances"))))
            .build());
    role.addToPolicy(passPoolRoleToEc2());
  }

  /** Only resources that carry the {@code orchestra:pool} tag (any pool name). */
  private static PolicyStatement tagged(String sid, List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .effect(Effect.ALLOW)
        .actions(actions)
        .resources(resources)
        .conditions(
            Map.of("StringLike", Map.of("aws:ResourceTag/" + PoolConfig.OWNERSHIP_TAG, "?*")))
        .build();
  }

  private static NagPackSuppression poolNamesSuppression() {
    return NagPackSuppression.builder()
        .id("AwsSolutions-IAM5")
        .reason(
            "A pool's work queue, agent role, instance profile and tick rule are named "
                + POOL_PREFIX
                + "<pool>... at run time, one set per pool (PoolResources); roles only with the"
                + " boundary, passed only to EC2.")
        .appliesTo(
            List.of(
                RegexAppliesTo.builder().regex("/^Resource::.+" + POOL_PREFIX + "\\*$/g").build()))
        .build();
  }

  private static NagPackSuppression describeSuppression() {
    return NagPackSuppression.builder()
        .id("AwsSolutions-IAM5")
        .reason(
            "EC2 Describe actions support no resource-level permissions (Resource *); the pool"
                + " code filters every Describe on the orchestra:pool tag.")
        .appliesTo(List.of("Resource::*", "Action::ec2:Describe*"))
        .build();
  }

  /** The pool tick's alias ARN, built from its name (the API gives it to each pool's rule). */
  private String poolTickArn(Settings settings) {
    return formatArn(
            ArnComponents.builder()
                .service("lambda")
                .resource("function")
                .resourceName(settings.physicalName(FunctionCatalog.POOL_TICK))
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                .build())
        + ":"
        + ALIAS;
  }

  /** EventBridge may invoke the pool tick's alias, only from this account's pool rules. */
  private void poolTickPermission(Settings settings) {
    CfnPermission permission =
        CfnPermission.Builder.create(this, "PoolTickInvokedByEvents")
            .action("lambda:InvokeFunction")
            .functionName(aliasArn(FunctionCatalog.POOL_TICK))
            .principal("events.amazonaws.com")
            .sourceArn(poolRules())
            .sourceAccount(getAccount())
            .build();
    permission.getNode().addDependency(aliases.get(FunctionCatalog.POOL_TICK));
  }

  private static PolicyStatement allow(List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create()
        .effect(Effect.ALLOW)
        .actions(actions)
        .resources(resources)
        .build();
  }

  private static String camel(String name) {
    StringBuilder out = new StringBuilder();
    for (String part : name.split("-")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out.toString();
  }

  public Map<String, Alias> aliases() {
    return aliases;
  }

  public Map<String, Role> roles() {
    return roles;
  }

  public RuntimeRoles runtimeRoles() {
    return runtimeRoles;
  }

  public Map<String, StateMachine> machines() {
    return machines;
  }
}
