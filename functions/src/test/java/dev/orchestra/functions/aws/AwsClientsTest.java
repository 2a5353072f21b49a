package dev.orchestra.functions.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients.Client;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

class AwsClientsTest {

  @Test
  void credentials_whenLambdaSetsSessionToken_signWithIt() {
    // Lambda's environment: the role's temporary credentials, token included.
    AwsClients aws =
        new AwsClients(
            new OrchestraConfig(
                Map.of(
                    "AWS_ACCESS_KEY_ID", "ASIAEXAMPLE",
                    "AWS_SECRET_ACCESS_KEY", "secret",
                    "AWS_SESSION_TOKEN", "token")));
    AwsCredentials c = aws.credentials().resolveCredentials();
    assertThat(c).isInstanceOf(AwsSessionCredentials.class);
    assertThat(((AwsSessionCredentials) c).sessionToken()).isEqualTo("token");
    assertThat(c.accessKeyId()).isEqualTo("ASIAEXAMPLE");
  }

  @Test
  void credentials_whenStaticKeysOnly_signWithoutToken_andOneProviderForAllClients() {
    AwsClients aws =
        new AwsClients(
            new OrchestraConfig(
                Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test")));
    AwsCredentials c = aws.credentials().resolveCredentials();
    assertThat(c).isNotInstanceOf(AwsSessionCredentials.class);
    assertThat(c.secretAccessKey()).isEqualTo("test");
    assertThat(aws.credentials()).isSameAs(aws.credentials());
  }

  private static AwsClients local(Map<String, String> more) {
    Map<String, String> env = new java.util.HashMap<>(more);
    env.putAll(
        Map.of(
            "AWS_REGION",
            "us-east-1",
            "AWS_ACCESS_KEY_ID",
            "test",
            "AWS_SECRET_ACCESS_KEY",
            "test"));
    return new AwsClients(new OrchestraConfig(env));
  }

  @Test
  void prebuild_buildsTheNamedClients_andNoOther_andTheGettersReturnThoseSame() throws Exception {
    try (AwsClients aws = local(Map.of())) {
      aws.prebuild(EnumSet.of(Client.DYNAMODB, Client.EKS)).await();
      for (Client c : Client.values()) {
        assertThat(aws.built(c)).as(c.name()).isEqualTo(c == Client.DYNAMODB || c == Client.EKS);
      }
      var dynamo = aws.dynamo();
      assertThat(aws.dynamo()).isSameAs(dynamo);
      assertThat(aws.built(Client.SQS)).isFalse();
      aws.sqs();
      assertThat(aws.built(Client.SQS)).isTrue();
    }
  }

  @Test
  void prebuild_ofNothing_buildsNothing_notEvenTheHttpClient() throws Exception {
    try (AwsClients aws = local(Map.of())) {
      aws.prebuild(EnumSet.noneOf(Client.class)).await();
      for (Client c : Client.values()) {
        assertThat(aws.built(c)).isFalse();
      }
    }
  }

  @Test
  void aPrebuildThatFails_isLeftToFirstUse_whichReportsTheError() throws Exception {
    // An endpoint the SDK refuses: the build throws, on the prebuild's thread and then on use.
    try (AwsClients aws = local(Map.of("AWS_ENDPOINT_URL", "http://not a host:1"))) {
      aws.prebuild(EnumSet.of(Client.SQS)).await();
      assertThat(aws.built(Client.SQS)).isFalse();
      assertThatThrownBy(aws::sqs).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void manyThreadsAskingForOneClientAtOnce_getOneInstance_whileAnotherIsBuiltBesideIt()
      throws Exception {
    try (AwsClients aws = local(Map.of())) {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Object>> asks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        boolean s3 = i % 4 == 0;
        asks.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                  return s3 ? aws.s3() : aws.dynamo();
                },
                r -> new Thread(r).start()));
      }
      go.countDown();
      List<Object> got = new ArrayList<>();
      for (var a : asks) {
        got.add(a.get());
      }
      assertThat(got.stream().filter(c -> c instanceof software.amazon.awssdk.services.s3.S3Client))
          .hasSize(2)
          .allSatisfy(c -> assertThat(c).isSameAs(aws.s3()));
      assertThat(
              got.stream().filter(c -> !(c instanceof software.amazon.awssdk.services.s3.S3Client)))
          .hasSize(6)
          .allSatisfy(c -> assertThat(c).isSameAs(aws.dynamo()));
    }
  }
}
