package dev.orchestra.functions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
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

  /**
   * The action for every item at once, each on a thread of its own; returns when all have ended. A
   * failure does not stop the others: each runs to its end, then the first failure (in the items'
   * order) is thrown as the caller would have had it.
   */
  public static <T> void forEach(String name, Collection<T> items, Consumer<T> action) {
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    int i = 0;
    for (T item : items) {
      calls.add(
          start(
              name + "-" + i++,
              () -> {
                action.accept(item);
                return null;
              }));
    }
    for (CompletableFuture<Void> call : calls) {
      call.exceptionally(e -> null).join();
    }
    for (CompletableFuture<Void> call : calls) {
      join(call);
    }
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
