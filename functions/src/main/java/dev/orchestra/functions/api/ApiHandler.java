package dev.orchestra.functions.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import io.micronaut.context.ApplicationContext;
import io.micronaut.function.aws.proxy.payload1.ApiGatewayProxyRequestEventFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The REST API function. Invoked by API Gateway's REST (v1) proxy integration ({@code {proxy+}} and
 * the root) with an {@link APIGatewayProxyRequestEvent}, and locally by the runtime's loopback
 * listener with the same event. Micronaut routes it to the controllers of this package; the
 * services come from the function's {@link LoopContext}.
 */
public final class ApiHandler implements RequestStreamHandler, AutoCloseable {
  /** The largest body accepted (API Gateway's own limit is 10 MB). */
  public static final int MAX_BODY_BYTES = 1024 * 1024;

  private static final ObjectMapper EVENTS =
      Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private final ApplicationContext context;
  private final ApiGatewayProxyRequestEventFunction function;

  public ApiHandler(LoopContext loop) {
    this.context =
        ApplicationContext.builder()
            .deduceEnvironment(false)
            .banner(false)
            .properties(
                Map.of(
                    "micronaut.server.thread-selection",
                    "BLOCKING",
                    "jackson.deserialization.eager-deserializer-fetch",
                    false,
                    "jackson.serialization.eager-serializer-fetch",
                    false,
                    // No Jackson module from the class path (the jar's service file names the
                    // java.time and Optional modules: ~100 classes each cold start): every view
                    // is strings, numbers, lists and maps, and times are written as text.
                    "jackson.module-scan",
                    false))
            .singletons(loop)
            .start();
    this.function = new ApiGatewayProxyRequestEventFunction(context);
  }

  /** One request: the event in, the response out. */
  public APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event, Context lambda) {
    String body = event.getBody();
    if (body != null && bodyBytes(event) > MAX_BODY_BYTES) {
      return tooLarge(event);
    }
    return function.handleRequest(event, lambda);
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context lambda)
      throws IOException {
    APIGatewayProxyRequestEvent event = EVENTS.readValue(input, APIGatewayProxyRequestEvent.class);
    EVENTS.writeValue(output, handle(event, lambda));
  }

  private static long bodyBytes(APIGatewayProxyRequestEvent event) {
    String body = event.getBody();
    if (Boolean.TRUE.equals(event.getIsBase64Encoded())) {
      return (long) body.length() * 3 / 4;
    }
    return body.getBytes(StandardCharsets.UTF_8).length;
  }

  private static APIGatewayProxyResponseEvent tooLarge(APIGatewayProxyRequestEvent event) {
    ApiError error =
        new ApiError(
            "payload_too_large",
            event.getHttpMethod()
                + " "
                + event.getPath()
                + ": the body is larger than 1 MiB; configuration files are far smaller, so"
                + " send the file itself",
            List.of());
    return new APIGatewayProxyResponseEvent()
        .withStatusCode(413)
        .withHeaders(Map.of("Content-Type", "application/json"))
        .withBody(Json.write(error));
  }

  @Override
  public void close() {
    context.close();
  }
}
