package dev.orchestra.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.local.LocalRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.MarketType;

/**
 * The EC2 capacity refusal a pool's launch must survive: the rule matches RunInstances by exact
 * instance type (and spot only when asked), and the real SDK reads the router's answer as EC2's own
 * {@code InsufficientInstanceCapacity}.
 */
class InsufficientCapacityFaultTest {
  private static final String SIGNED_EC2 =
      "AWS4-HMAC-SHA256 Credential=test/20261122/us-east-1/ec2/aws4_request,"
          + " SignedHeaders=host, Signature=abc";

  private Router router;

  @BeforeEach
  void start() throws Exception {
    // Nothing listens on the moto port: a request the rule lets through fails to forward, a
    // refused one never gets that far.
    router = new Router(0, LocalRuntime.freePort(), null, List.of()).start();
    router.setReady(true);
  }

  @AfterEach
  void stop() {
    router.stop();
  }

  private static RouterRequest runInstances(String body) {
    return new RouterRequest(
        "POST",
        "/",
        null,
        Map.of("authorization", List.of(SIGNED_EC2)),
        body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void match_refusesOnlyTheTypeNamed_andWithSpotOnly_onlySpotRequests() {
    FaultInjector f = new FaultInjector();
    f.add(FaultInjector.Rule.insufficientCapacity("g5.xlarge", true));
    String spot =
        "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&InstanceType=g5.xlarge"
            + "&InstanceMarketOptions.MarketType=spot&MinCount=1&MaxCount=1";
    assertThat(f.match(runInstances(spot))).isPresent();
    assertThat(f.match(runInstances(spot.replace("g5.xlarge", "g5.xlarge2")))).isEmpty();
    assertThat(f.match(runInstances(spot.replace("g5.xlarge", "g6.xlarge")))).isEmpty();
    assertThat(f.match(runInstances(spot.replace("&InstanceMarketOptions.MarketType=spot", ""))))
        .isEmpty();
    assertThat(
            f.match(
                runInstances(
                    "Action=DescribeInstances&Version=2016-11-15&InstanceType=g5.xlarge"
                        + "&InstanceMarketOptions.MarketType=spot")))
        .isEmpty();
    assertThat(f.injected("ec2", "RunInstances")).isEqualTo(1);

    FaultInjector any = new FaultInjector();
    any.add(FaultInjector.Rule.insufficientCapacity("g5.xlarge", false));
    assertThat(any.match(runInstances(spot.replace("&InstanceMarketOptions.MarketType=spot", ""))))
        .isPresent();
    assertThat(any.match(runInstances(spot))).isPresent();
  }

  @Test
  void rule_needsEc2AndAType() {
    assertThatThrownBy(
            () ->
                new FaultInjector.Rule(
                    "ec2",
                    null,
                    null,
                    FaultInjector.Kind.INSUFFICIENT_CAPACITY,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    true))
        .hasMessageContaining("instanceType");
    assertThatThrownBy(
            () ->
                new FaultInjector.Rule(
                    "sqs",
                    null,
                    null,
                    FaultInjector.Kind.INSUFFICIENT_CAPACITY,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "g5.xlarge",
                    null))
        .hasMessageContaining("ec2");
  }

  @Test
  void runInstances_ofARefusedSpotType_failsInTheSdk_asEc2sInsufficientInstanceCapacity()
      throws Exception {
    HttpResponse<String> set =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(router.url() + Router.FAULTS_PATH))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"service\":\"ec2\",\"kind\":\"INSUFFICIENT_CAPACITY\","
                                + "\"instanceType\":\"g5.xlarge\",\"spotOnly\":true}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(set.body()).contains("RunInstances").contains("g5.xlarge");

    try (Ec2Client ec2 =
        Ec2Client.builder()
            .endpointOverride(URI.create(router.url()))
            .region(Region.US_EAST_1)
            .httpClient(UrlConnectionHttpClient.create())
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
            .build()) {
      assertThatThrownBy(
              () ->
                  ec2.runInstances(
                      b ->
                          b.imageId("ami-12c6146b")
                              .instanceType(InstanceType.G5_XLARGE)
                              .minCount(1)
                              .maxCount(1)
                              .instanceMarketOptions(m -> m.marketType(MarketType.SPOT))))
          .isInstanceOfSatisfying(
              Ec2Exception.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(500);
                assertThat(e.awsErrorDetails().errorCode())
                    .isEqualTo("InsufficientInstanceCapacity");
                assertThat(e.awsErrorDetails().errorMessage())
                    .contains("sufficient g5.xlarge capacity");
              });
    }
    // A 500 is retryable to the SDK: the standard strategy tries three times, each refused.
    assertThat(router.faults().injected("ec2", "RunInstances")).isEqualTo(3);
  }
}
