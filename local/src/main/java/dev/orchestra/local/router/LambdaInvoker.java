package dev.orchestra.local.router;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invokes a function's handler in-process the way the Lambda Java runtime would: the payload in,
 * the handler's output out; an exception becomes an {@code Unhandled} function error whose {@code
 * errorType} is the exception's fully-qualified class name, as AWS reports it.
 */
public final class LambdaInvoker {
  private static final Logger LOG = LoggerFactory.getLogger(LambdaInvoker.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TIMEOUT_MILLIS = 900_000;

  /** A finished invocation: the payload, and {@code "Unhandled"} when the handler threw. */
  public record Result(byte[] payload, String functionError) {
    public boolean failed() {
      return functionError != null;
    }
  }

  private final FunctionResolver functions;
  private final CallStats stats = new CallStats();
  private final String region;
  private final String accountId;

  public LambdaInvoker(FunctionResolver functions, String region, String accountId) {
    this.functions = functions;
    this.region = region;
    this.accountId = accountId;
  }

  /**
   * The plain function name of a name, a partial ARN ({@code 123456789012:function:name}) or a full
   * ARN, without a version or alias qualifier.
   */
  public static String functionName(String nameOrArn) {
    String s = nameOrArn;
    int fn = s.indexOf("function:");
    if (fn >= 0) {
      s = s.substring(fn + "function:".length());
    }
    int colon = s.indexOf(':');
    return colon >= 0 ? s.substring(0, colon) : s;
  }

  /**
   * Every invocation since the last {@link CallStats#reset()}: caller {@code invoke}, service
   * {@code lambda}, the function's name; failed when the handler threw.
   */
  public CallStats stats() {
    return stats;
  }

  /** Invokes the function, or returns empty when no handler serves that name. */
  public Optional<Result> invoke(String nameOrArn, byte[] payload) {
    String name = functionName(nameOrArn);
    Optional<RequestStreamHandler> handler = functions.resolve(name);
    if (handler.isEmpty()) {
      return Optional.empty();
    }
    long t0 = System.nanoTime();
    Result result = run(handler.get(), name, payload);
    stats.record(
        new CallStats.Key("invoke", "lambda", name), System.nanoTime() - t0, result.failed());
    return Optional.of(result);
  }

  private Result run(RequestStreamHandler handler, String name, byte[] payload) {
    String requestId = UUID.randomUUID().toString();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      handler.handleRequest(
          new ByteArrayInputStream(payload), out, new LocalContext(name, requestId));
      byte[] body = out.size() == 0 ? "null".getBytes(StandardCharsets.UTF_8) : out.toByteArray();
      return new Result(body, null);
    } catch (Throwable e) {
      LOG.info("function {} threw {}: {}", name, e.getClass().getName(), e.getMessage());
      ObjectNode error = JSON.createObjectNode();
      error.put("errorType", e.getClass().getName());
      error.put("errorMessage", e.getMessage() == null ? "" : e.getMessage());
      error.putArray("stackTrace");
      return new Result(error.toString().getBytes(StandardCharsets.UTF_8), "Unhandled");
    }
  }

  private final class LocalContext implements Context {
    private final String name;
    private final String requestId;
    private final long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;

    LocalContext(String name, String requestId) {
      this.name = name;
      this.requestId = requestId;
    }

    @Override
    public String getAwsRequestId() {
      return requestId;
    }

    @Override
    public String getLogGroupName() {
      return "/aws/lambda/" + name;
    }

    @Override
    public String getLogStreamName() {
      return "local";
    }

    @Override
    public String getFunctionName() {
      return name;
    }

    @Override
    public String getFunctionVersion() {
      return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
      return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
    }

    @Override
    public CognitoIdentity getIdentity() {
      return null;
    }

    @Override
    public ClientContext getClientContext() {
      return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
      return (int) Math.max(0, deadline - System.currentTimeMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
      return 1024;
    }

    @Override
    public LambdaLogger getLogger() {
      Logger log = LoggerFactory.getLogger("lambda." + name);
      return new LambdaLogger() {
        @Override
        public void log(String message) {
          log.info(message.stripTrailing());
        }

        @Override
        public void log(byte[] message) {
          log(new String(message, StandardCharsets.UTF_8));
        }
      };
    }
  }
}
