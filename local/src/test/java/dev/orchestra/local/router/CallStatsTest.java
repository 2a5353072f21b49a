package dev.orchestra.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallStatsTest {
  private static final String SIGNED_DYNAMO =
      "AWS4-HMAC-SHA256 Credential=test/20261122/us-east-1/dynamodb/aws4_request,"
          + " SignedHeaders=host, Signature=abc";

  @Test
  void classify_javaSdkJsonCall_isTheFunctions_withServiceFromTheScope_andOperationFromTarget() {
    CallStats.Key k =
        Router.classify(
            "POST",
            "/",
            "aws-sdk-java/2.41.24 md/io#sync",
            SIGNED_DYNAMO,
            "DynamoDB_20120810.TransactWriteItems",
            new byte[0]);
    assertThat(k).isEqualTo(new CallStats.Key("functions", "dynamodb", "TransactWriteItems"));
  }

  @Test
  void classify_botocoreCall_isTheEngine_andALambdaInvokeNamesItsFunction() {
    CallStats.Key k =
        Router.classify(
            "POST",
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorchestra-record/invocations",
            "Boto3/1.35.0 md/Botocore#1.35.0",
            null,
            null,
            new byte[0]);
    assertThat(k).isEqualTo(new CallStats.Key("engine", "lambda", "Invoke orchestra-record"));
  }

  @Test
  void classify_userAgentSuffix_namesTheCaller_andS3AndQueryProtocolsGetAnOperation() {
    String s3Scope = SIGNED_DYNAMO.replace("/dynamodb/", "/s3/");
    assertThat(
            Router.classify(
                "PUT",
                "/artifacts/runs/e/r/output-a1.log",
                "aws-sdk-java/2.41.24 orchestra/runtime",
                s3Scope,
                null,
                new byte[0]))
        .isEqualTo(new CallStats.Key("runtime", "s3", "PUT object"));
    String iamScope = SIGNED_DYNAMO.replace("/dynamodb/", "/iam/");
    assertThat(
            Router.classify(
                "POST",
                "/",
                "aws-sdk-java/2.41.24 orchestra/bench",
                iamScope,
                null,
                "Action=GetRole&RoleName=x".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(new CallStats.Key("bench", "iam", "GetRole"));
  }

  @Test
  void record_countsErrorsAndLatencies_perKey_andResetStartsANewWindow() {
    CallStats stats = new CallStats();
    CallStats.Key get = new CallStats.Key("functions", "dynamodb", "GetItem");
    stats.record(get, 10_000_000, false);
    stats.record(get, 30_000_000, true);
    stats.record(get, 20_000_000, false);
    CallStats.Tally t = stats.snapshot().get(get);
    assertThat(t.count()).isEqualTo(3);
    assertThat(t.errors()).isEqualTo(1);
    assertThat(t.percentileMs(50)).isEqualTo(20.0);
    assertThat(t.percentileMs(100)).isEqualTo(30.0);
    assertThat(CallStats.merge(stats.snapshot(), k -> true).count()).isEqualTo(3);
    stats.reset();
    assertThat(stats.snapshot()).isEqualTo(Map.of());
  }
}
