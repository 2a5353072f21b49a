package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.local.testing.TestFunctions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** S3 → SQS notifications through moto, and the SQS pollers standing in for Lambda's mappings. */
class EventSourcesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<JsonNode> INTAKE = new CopyOnWriteArrayList<>();
  private static final List<JsonNode> PARTIAL = new CopyOnWriteArrayList<>();
  private static LocalRuntime runtime;

  @BeforeAll
  static void start() throws Exception {
    TestFunctions functions =
        new TestFunctions()
            .add(
                "intake",
                (in, out, ctx) -> {
                  JSON.readTree(in).get("Records").forEach(INTAKE::add);
                  out.write("{\"batchItemFailures\":[]}".getBytes(StandardCharsets.UTF_8));
                })
            .add(
                "partial",
                (in, out, ctx) -> {
                  StringBuilder failures = new StringBuilder();
                  for (JsonNode r : JSON.readTree(in).get("Records")) {
                    PARTIAL.add(r);
                    boolean firstTry =
                        r.get("attributes").get("ApproximateReceiveCount").asInt() == 1;
                    if (r.get("body").asText().equals("fail-first") && firstTry) {
                      failures
                          .append("{\"itemIdentifier\":\"")
                          .append(r.get("messageId").asText())
                          .append("\"}");
                    }
                    if (r.get("body").asText().equals("throw-first") && firstTry) {
                      throw new IllegalStateException("whole batch fails");
                    }
                  }
                  out.write(
                      ("{\"batchItemFailures\":[" + failures + "]}")
                          .getBytes(StandardCharsets.UTF_8));
                });
    runtime =
        LocalRuntime.start(
            LocalRuntimeOptions.of(
                functions,
                env ->
                    ResourcePlan.builder()
                        .queue("intake", Map.of("VisibilityTimeout", "1"))
                        .queue("partial", Map.of("VisibilityTimeout", "1"))
                        .bucket(
                            "drops",
                            new ResourcePlan.Notification(
                                "intake",
                                List.of("s3:ObjectCreated:*"),
                                "experiments/",
                                "/experiment.yml"))
                        .eventSource("intake", "intake", 10, 1)
                        .eventSource("partial", "partial", 10, 1)
                        .build()));
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static String md5(String text) throws Exception {
    byte[] d = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
    return String.format("%032x", new BigInteger(1, d));
  }

  @Test
  void bucketNotification_deliversTestEventAndMatchingKeysOnly_inLambdaSqsEventShape()
      throws Exception {
    Poll.until(
        "the s3:TestEvent",
        Duration.ofSeconds(20),
        () -> INTAKE.stream().anyMatch(r -> r.get("body").asText().contains("\"s3:TestEvent\"")));

    var s3 = runtime.aws().s3();
    s3.putObject(
        b -> b.bucket("drops").key("experiments/a b/run.yml"), RequestBody.fromString("x"));
    s3.putObject(
        b -> b.bucket("drops").key("experiments/a b/experiment.yml"), RequestBody.fromString("y"));

    JsonNode record =
        Poll.until(
            "the experiment.yml event",
            Duration.ofSeconds(20),
            () ->
                INTAKE.stream()
                    .filter(r -> r.get("body").asText().contains("experiment.yml"))
                    .findFirst()
                    .orElse(null));
    JsonNode s3Event = JSON.readTree(record.get("body").asText()).get("Records").get(0);
    assertThat(s3Event.get("eventName").asText()).startsWith("ObjectCreated:");
    assertThat(s3Event.get("s3").get("bucket").get("name").asText()).isEqualTo("drops");
    assertThat(s3Event.get("s3").get("object").get("key").asText()).contains("experiment.yml");
    assertThat(INTAKE).noneMatch(r -> r.get("body").asText().contains("run.yml"));

    assertThat(record.get("eventSource").asText()).isEqualTo("aws:sqs");
    assertThat(record.get("eventSourceARN").asText())
        .isEqualTo(runtime.environment().queueArn("intake"));
    assertThat(record.get("awsRegion").asText()).isEqualTo(runtime.region());
    assertThat(record.get("messageId").asText()).isNotBlank();
    assertThat(record.get("receiptHandle").asText()).isNotBlank();
    assertThat(record.get("md5OfBody").asText()).isEqualTo(md5(record.get("body").asText()));
    assertThat(record.get("attributes").get("ApproximateReceiveCount").asText()).isEqualTo("1");
    assertThat(record.get("attributes").has("SentTimestamp")).isTrue();
    assertThat(record.get("messageAttributes").isObject()).isTrue();
  }

  @Test
  void batchItemFailures_onlyFailuresAreRedelivered_andThrownBatchesComeBackWhole() {
    var sqs = runtime.aws().sqs();
    String url = runtime.environment().queueUrl("partial");
    sqs.sendMessage(
        b ->
            b.queueUrl(url)
                .messageBody("ok")
                .messageAttributes(
                    Map.of(
                        "kind",
                        MessageAttributeValue.builder()
                            .dataType("String")
                            .stringValue("plain")
                            .build())));
    sqs.sendMessage(b -> b.queueUrl(url).messageBody("fail-first"));
    Poll.until(
        "fail-first to come back",
        Duration.ofSeconds(20),
        () ->
            PARTIAL.stream().filter(r -> r.get("body").asText().equals("fail-first")).count() == 2);
    sqs.sendMessage(b -> b.queueUrl(url).messageBody("throw-first"));
    Poll.until(
        "throw-first to come back",
        Duration.ofSeconds(20),
        () ->
            PARTIAL.stream().filter(r -> r.get("body").asText().equals("throw-first")).count()
                == 2);
    Poll.until(
        "the queue to drain",
        Duration.ofSeconds(20),
        () -> {
          Map<QueueAttributeName, String> a =
              sqs.getQueueAttributes(
                      b ->
                          b.queueUrl(url)
                              .attributeNames(
                                  QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                  QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                  .attributes();
          return a.values().stream().allMatch("0"::equals);
        });

    assertThat(PARTIAL.stream().filter(r -> r.get("body").asText().equals("ok"))).hasSize(1);
    JsonNode ok =
        PARTIAL.stream().filter(r -> r.get("body").asText().equals("ok")).findFirst().orElseThrow();
    assertThat(ok.get("messageAttributes").get("kind").get("stringValue").asText())
        .isEqualTo("plain");
    assertThat(ok.get("messageAttributes").get("kind").get("dataType").asText())
        .isEqualTo("String");
    assertThat(PARTIAL.stream().filter(r -> r.get("body").asText().equals("fail-first")))
        .hasSize(2);
  }
}
