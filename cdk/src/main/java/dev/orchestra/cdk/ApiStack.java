package dev.orchestra.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.IntegrationResponse;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.MethodResponse;
import software.amazon.awscdk.services.apigateway.MockIntegration;
import software.amazon.awscdk.services.apigateway.PassthroughBehavior;
import software.amazon.awscdk.services.apigateway.RequestValidatorOptions;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The REST API: IAM (SigV4) authorization on every method, access logs and throttling on the stage.
 * It starts with {@code GET /health}; the API issue adds the API function and its routes here.
 */
public final class ApiStack extends Stack {
  public static final String STAGE = "v1";
  public static final int RATE_LIMIT = 50;
  public static final int BURST_LIMIT = 100;

  private final RestApi api;

  public ApiStack(Construct scope, String id, StackProps props, Settings settings) {
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
    api.getRoot()
        .addResource("health")
        .addMethod(
            "GET",
            MockIntegration.Builder.create()
                .passthroughBehavior(PassthroughBehavior.NEVER)
                .requestTemplates(Map.of("application/json", "{\"statusCode\": 200}"))
                .integrationResponses(
                    List.of(
                        IntegrationResponse.builder()
                            .statusCode("200")
                            .responseTemplates(Map.of("application/json", "{\"status\": \"ok\"}"))
                            .build()))
                .build(),
            MethodOptions.builder()
                .methodResponses(List.of(MethodResponse.builder().statusCode("200").build()))
                .build());
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
