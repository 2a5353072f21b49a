package dev.orchestra.functions;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Independent calls of one invocation made at once: each on a daemon thread of its own (not the
 * common pool, whose size follows the CPU count), so one call's network wait overlaps another's.
 */
public final class Concurrently {
  private Concurrently() {}

  /** Starts the call on a thread named {@code orchestra-<name>}. */
  public static <T> CompletableFuture<T> start(String name, Supplier<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.complete(call.get());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "orchestra-" + name);
    t.setDaemon(true);
    t.start();
    return result;
  }

  /** The call's result, or its own exception, as the caller would have had it calling directly. */
  public static <T> T join(CompletableFuture<T> call) {
    try {
      return call.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }
}
