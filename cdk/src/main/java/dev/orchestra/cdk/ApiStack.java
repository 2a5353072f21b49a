package dev.orchestra.cdk;

import dev.orchestra.functions.FunctionCatalog;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.Integration;
import software.amazon.awscdk.services.apigateway.IntegrationType;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.RequestValidatorOptions;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.lambda.CfnPermission;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The REST API: IAM (SigV4) authorization on every method, access logs and throttling on the stage.
 * Every request goes to the API function ({@code orchestra-api}) through a Lambda proxy integration
 * on its alias; the function's controllers route it (see README, API).
 */
public final class ApiStack extends Stack {
  public static final String STAGE = "v1";
  public static final int RATE_LIMIT = 50;
  public static final int BURST_LIMIT = 100;

  private final RestApi api;

  public ApiStack(
      Construct scope, String id, StackProps props, Settings settings, WorkflowsStack workflows) {
    super(scope, id, props);
    LogGroup access =
        LogGroup.Builder.create(this, "AccessLogs")
            .logGroupName("/orchestra/" + settings.environment() + "/api-access")
            .retention(RetentionDays.ONE_MONTH)
            .removalPolicy(RemovalPolicy.DESTROY)
            .build();
    api =
        RestApi.Builder.create(this, "Api")
            .restApiName(settings.environment() + "-api")
            .description("Orchestra control plane API (SigV4)")
            .endpointTypes(List.of(EndpointType.REGIONAL))
            .cloudWatchRole(true)
            .defaultMethodOptions(
                MethodOptions.builder().authorizationType(AuthorizationType.IAM).build())
            .deployOptions(
                StageOptions.builder()
                    .stageName(STAGE)
                    .accessLogDestination(new LogGroupLogDestination(access))
                    .accessLogFormat(AccessLogFormat.jsonWithStandardFields())
                    .loggingLevel(MethodLoggingLevel.ERROR)
                    .throttlingRateLimit(RATE_LIMIT)
                    .throttlingBurstLimit(BURST_LIMIT)
                    .tracingEnabled(true)
                    .build())
            .build();
    api.addRequestValidator(
        "Validator",
        RequestValidatorOptions.builder()
            .validateRequestBody(true)
            .validateRequestParameters(true)
            .build());
    // Every path and method goes to the API function (Micronaut routes it): the root and
    // {proxy+}, ANY method, as an AWS_PROXY integration on the function's alias. The permission is
    // made here, not on the function, so the Workflows stack does not depend on this one.
    String aliasArn = workflows.alias(FunctionCatalog.API).getFunctionArn();
    Integration proxy =
        Integration.Builder.create()
            .type(IntegrationType.AWS_PROXY)
            .integrationHttpMethod("POST")
            .uri(
                "arn:"
                    + getPartition()
                    + ":apigateway:"
                    + getRegion()
                    + ":lambda:path/2015-03-31/functions/"
                    + aliasArn
                    + "/invocations")
            .build();
    api.getRoot().addMethod("ANY", proxy);
    api.getRoot().addResource("{proxy+}").addMethod("ANY", proxy);
    CfnPermission.Builder.create(this, "ApiInvokesFunction")
        .action("lambda:InvokeFunction")
        .functionName(aliasArn)
        .principal("apigateway.amazonaws.com")
        .sourceArn(api.arnForExecuteApi("*", "/*", STAGE))
        .build();
    NagSuppressions.addResourceSuppressions(
        api,
        List.of(
            NagPackSuppression.builder()
                .id("AwsSolutions-APIG3")
                .reason(
                    "No WAF web ACL: it costs about $5 a month while idle, and every method needs"
                        + " SigV4 (IAM) so unsigned requests never reach an integration.")
                .build(),
            NagPackSuppression.builder()
                .id("AwsSolutions-COG4")
                .reason("Callers are IAM principals (SigV4); there is no Cognito user pool.")
                .build(),
            NagPackSuppression.builder()
                .id("AwsSolutions-IAM4")
                .reason(
                    "API Gateway's account-level CloudWatch role uses the AWS managed"
                        + " AmazonAPIGatewayPushToCloudWatchLogs policy, which logging requires.")
                .appliesTo(
                    List.of(
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"))
                .build()),
        true);
    CfnOutput.Builder.create(this, "ApiUrl").value(api.getUrl()).build();
  }

  public RestApi api() {
    return api;
  }
}
