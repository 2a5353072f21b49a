package dev.orchestra.functions.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.shared.TransientFailureException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

class TransienceTest {

  @Test
  void timeouts5xxThrottlingAndIo_areTransient() {
    assertThat(Transience.isTransient(ApiCallTimeoutException.create(30_000))).isTrue();
    assertThat(Transience.isTransient(status(500))).isTrue();
    assertThat(Transience.isTransient(status(503))).isTrue();
    assertThat(
            Transience.isTransient(
                ProvisionedThroughputExceededException.builder()
                    .statusCode(400)
                    .awsErrorDetails(
                        AwsErrorDetails.builder()
                            .errorCode("ProvisionedThroughputExceededException")
                            .build())
                    .build()))
        .isTrue();
    assertThat(
            Transience.isTransient(
                SdkClientException.create(
                    "Unable to execute HTTP request", new java.net.SocketException("reset"))))
        .isTrue();
    assertThat(Transience.isTransient(new IllegalStateException("wrapped", status(502))))
        .as("a domain exception whose cause is a 5xx")
        .isTrue();
  }

  @Test
  void callersMistakesAndDomainErrors_areNot() {
    assertThat(Transience.isTransient(status(400))).isFalse();
    assertThat(
            Transience.isTransient(
                ConditionalCheckFailedException.builder().statusCode(400).build()))
        .isFalse();
    assertThat(Transience.isTransient(ResourceNotFoundException.builder().statusCode(400).build()))
        .isFalse();
    assertThat(Transience.isTransient(new IllegalArgumentException("input field x is missing")))
        .isFalse();
    assertThat(Transience.isTransient(new UncheckedIOException(new IOException("no route"))))
        .as("not an AWS call")
        .isFalse();
  }

  @Test
  void jsonHandler_reportsATransientFailureUnderOneName_andOtherErrorsAsThemselves() {
    assertThatThrownBy(
            () ->
                invoke(
                    () -> {
                      throw ApiCallTimeoutException.create(30_000);
                    }))
        .isInstanceOf(TransientFailureException.class)
        .hasCauseInstanceOf(ApiCallTimeoutException.class);
    assertThatThrownBy(
            () ->
                invoke(
                    () -> {
                      throw status(400);
                    }))
        .isInstanceOf(DynamoDbException.class);
    assertThatThrownBy(
            () ->
                invoke(
                    () -> {
                      throw new IllegalStateException("no");
                    }))
        .isExactlyInstanceOf(IllegalStateException.class);
    assertThat(TransientFailureException.NAME)
        .isEqualTo("dev.orchestra.shared.TransientFailureException");
  }

  private static DynamoDbException status(int code) {
    return (DynamoDbException)
        DynamoDbException.builder().statusCode(code).message("status " + code).build();
  }

  private static void invoke(Supplier<Object> body) throws IOException {
    new JsonHandler() {
      @Override
      protected Object handle(JsonNode input) {
        return body.get();
      }
    }.handleRequest(
        new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)),
        new ByteArrayOutputStream(),
        null);
  }
}
