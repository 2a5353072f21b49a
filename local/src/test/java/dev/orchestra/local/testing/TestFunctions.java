package dev.orchestra.local.testing;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.local.router.FunctionResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only functions served by the router, and a resolver over them. */
public final class TestFunctions implements FunctionResolver {
  private final Map<String, RequestStreamHandler> handlers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  public TestFunctions add(String name, RequestStreamHandler handler) {
    handlers.put(name, handler);
    calls.put(name, new AtomicInteger());
    return this;
  }

  public int calls(String name) {
    return calls.get(name).get();
  }

  @Override
  public Optional<RequestStreamHandler> resolve(String functionName) {
    RequestStreamHandler h = handlers.get(functionName);
    if (h == null) {
      return Optional.empty();
    }
    return Optional.of(
        (in, out, ctx) -> {
          calls.get(functionName).incrementAndGet();
          h.handleRequest(in, out, ctx);
        });
  }

  /** Copies the input to the output. */
  public static RequestStreamHandler echo() {
    return (in, out, ctx) -> in.transferTo(out);
  }

  /** Always throws {@link TestFailureException}. */
  public static RequestStreamHandler failing() {
    return (in, out, ctx) -> {
      throw new TestFailureException("the test handler failed on purpose");
    };
  }

  /** An ASL file from the test resources. */
  public static String asl(String name) {
    try (InputStream in = TestFunctions.class.getResourceAsStream("/statemachines/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String read(Path p) throws IOException {
    return Files.readString(p);
  }
}
