package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.router.GapFiller;
import dev.orchestra.local.router.RouterRequest;
import dev.orchestra.local.router.RouterResponse;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.local.testing.TestFailureException;
import dev.orchestra.local.testing.TestFunctions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/** Real ASL on moto's engine, whose Lambda calls reach in-process handlers through the router. */
class StepFunctionsOnRouterTest {
  private static final CountDownLatch SLOW_ENTERED = new CountDownLatch(1);
  private static final CountDownLatch SLOW_RELEASE = new CountDownLatch(1);
  private static final TestFunctions FUNCTIONS =
      new TestFunctions()
          .add("echo", TestFunctions.echo())
          .add("fail", TestFunctions.failing())
          .add("slow", slowOnce())
          .add("barrier", meetFour());
  private static LocalRuntime runtime;
  private static SfnClient sfn;

  private static final CyclicBarrier FOUR = new CyclicBarrier(4);

  /** Returns only once four calls are inside it at the same time. */
  private static RequestStreamHandler meetFour() {
    return (in, out, ctx) -> {
      try {
        FOUR.await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("four invocations never overlapped: " + e);
      }
      in.transferTo(out);
    };
  }

  /** Blocks its first call until released; later calls echo at once. */
  private static RequestStreamHandler slowOnce() {
    return (in, out, ctx) -> {
      if (SLOW_ENTERED.getCount() > 0) {
        SLOW_ENTERED.countDown();
        try {
          SLOW_RELEASE.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      in.transferTo(out);
    };
  }

  @BeforeAll
  static void start() throws Exception {
    runtime =
        LocalRuntime.start(
            LocalRuntimeOptions.of(
                    FUNCTIONS,
                    env ->
                        ResourcePlan.builder()
                            .stateMachine("echo", TestFunctions.asl("echo.asl.json"))
                            .stateMachine(
                                "slow",
                                TestFunctions.asl("echo.asl.json")
                                    .replace("${EchoFunctionArn}", "${SlowFunctionArn}"))
                            .stateMachine("catch", TestFunctions.asl("catch.asl.json"))
                            .stateMachine(
                                "barrier",
                                TestFunctions.asl("echo.asl.json")
                                    .replace("${EchoFunctionArn}", "${BarrierFunctionArn}"))
                            .substitution("BarrierFunctionArn", env.lambdaArn("barrier"))
                            .substitution("EchoFunctionArn", env.lambdaArn("echo"))
                            .substitution("SlowFunctionArn", env.lambdaArn("slow"))
                            .substitution("FailFunctionArn", env.lambdaArn("fail"))
                            .substitution("FailureError", TestFailureException.class.getName())
                            .build())
                .withGapFillers(List.of(new TestAccessEntries())));
    sfn = runtime.aws().sfn();
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  private static String startExecution(String machine, String name, String input) {
    return sfn.startExecution(
            b ->
                b.stateMachineArn(runtime.environment().stateMachineArn(machine))
                    .name(name)
                    .input(input))
        .executionArn();
  }

  private static DescribeExecutionResponse awaitEnd(String executionArn) {
    return Poll.until(
        "execution " + executionArn + " to end",
        Duration.ofSeconds(60),
        () -> {
          DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(executionArn));
          return d.status() == ExecutionStatus.RUNNING ? null : d;
        });
  }

  /** A test-only gap filler: EKS ListAccessEntries, which moto 5.2.1 lacks. */
  static final class TestAccessEntries implements GapFiller {
    @Override
    public boolean handles(RouterRequest request) {
      return request.service().filter("eks"::equals).isPresent()
          && request.method().equals("GET")
          && request.path().matches("/clusters/[^/]+/access-entries");
    }

    @Override
    public RouterResponse handle(RouterRequest request) {
      String cluster = request.path().split("/")[2];
      return RouterResponse.json(
          200,
          "{\"accessEntries\":[\"arn:aws:iam::123456789012:role/"
              + cluster
              + "-k8s-access-role\"]}");
    }
  }

  @Test
  void gapFiller_answersTheCallsItCovers_andMotoTheRest() {
    try (EksClient eks =
        EksClient.builder()
            .endpointOverride(URI.create(runtime.awsEndpoint()))
            .region(Region.of(runtime.region()))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build()) {
      assertThat(eks.listAccessEntries(b -> b.clusterName("demo")).accessEntries())
          .containsExactly("arn:aws:iam::123456789012:role/demo-k8s-access-role");
      assertThat(eks.listClusters().clusters()).isEmpty(); // forwarded to moto
    }
  }

  @Test
  void forwarding_keepsTheHostHeader_andStreamsBodiesBothWays() {
    String url = runtime.aws().sqs().createQueue(b -> b.queueName("forwarded")).queueUrl();
    assertThat(url).isEqualTo(runtime.awsEndpoint() + "/123456789012/forwarded");

    var s3 = runtime.aws().s3();
    s3.createBucket(b -> b.bucket("forwarding"));
    byte[] big = new byte[300_000];
    new java.util.Random(7).nextBytes(big);
    s3.putObject(b -> b.bucket("forwarding").key("big.bin"), RequestBody.fromBytes(big));
    assertThat(s3.headObject(b -> b.bucket("forwarding").key("big.bin")).contentLength())
        .isEqualTo(big.length);
    assertThat(s3.getObjectAsBytes(b -> b.bucket("forwarding").key("big.bin")).asByteArray())
        .isEqualTo(big);
  }

  @Test
  void invoke_unknownFunction_isResourceNotFound() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            runtime.awsEndpoint() + "/2015-03-31/functions/nope/invocations"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("X-Amzn-ErrorType")).contains("ResourceNotFoundException");
  }

  @Test
  void executions_concurrentThenSequential_allSucceedInOneMotoProcess() {
    List<String> concurrent = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      concurrent.add(startExecution("echo", "concurrent-" + i, "{\"n\":" + i + "}"));
    }
    for (int i = 0; i < 4; i++) {
      DescribeExecutionResponse d = awaitEnd(concurrent.get(i));
      assertThat(d.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(json(d.output())).isEqualTo(json("{\"echo\":{\"n\":" + i + "}}"));
    }
    for (int i = 0; i < 2; i++) {
      DescribeExecutionResponse d =
          awaitEnd(startExecution("echo", "sequential-" + i, "{\"s\":" + i + "}"));
      assertThat(d.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
      assertThat(json(d.output())).isEqualTo(json("{\"echo\":{\"s\":" + i + "}}"));
    }
  }

  @Test
  void invocations_runConcurrently() {
    List<String> arns = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      arns.add(startExecution("barrier", "barrier-" + i, "{\"b\":" + i + "}"));
    }
    for (String arn : arns) {
      assertThat(awaitEnd(arn).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }
  }

  @Test
  void handlerException_isRetriedThenCaughtByFullyQualifiedName() {
    DescribeExecutionResponse d = awaitEnd(startExecution("catch", "catch-1", "{}"));

    assertThat(d.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    JsonNode caught = json(d.output()).get("caught");
    assertThat(caught.get("Error").asText()).isEqualTo(TestFailureException.class.getName());
    assertThat(json(caught.get("Cause").asText()).get("errorMessage").asText())
        .isEqualTo("the test handler failed on purpose");
    assertThat(FUNCTIONS.calls("fail")).isEqualTo(2); // first try + one Retry
  }

  @Test
  void routerRestart_whileTaskInFlight_losesNothing() throws Exception {
    String arn = startExecution("slow", "restart-1", "{\"k\":1}");
    assertThat(SLOW_ENTERED.await(30, TimeUnit.SECONDS)).isTrue();

    runtime.router().stop(); // the in-flight invocation's connection drops
    // Deliberate downtime, as a restarting runtime has: the engine's calls meet a closed port.
    Thread.sleep(1500);
    runtime.router().start(); // same port
    SLOW_RELEASE.countDown();

    DescribeExecutionResponse d = awaitEnd(arn);
    assertThat(d.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(json(d.output())).isEqualTo(json("{\"echo\":{\"k\":1}}"));
    assertThat(FUNCTIONS.calls("slow")).isEqualTo(2); // the dropped call, then the engine's retry
  }
}
