package dev.orchestra.local.testing;

import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.ExperimentRecord;
import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition with a deadline (tests never sleep to wait). */
public final class Poll {
  private Poll() {}

  public static <T> T until(String what, Duration timeout, Supplier<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = probe.get();
      if (value != null && !Boolean.FALSE.equals(value)) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  /** The experiment once the store has it in a final status. */
  public static ExperimentRecord experimentEnd(
      DynamoDbExperimentStore store, String id, Duration timeout) {
    return until(
        "experiment " + id + " to end",
        timeout,
        () -> store.experiment(id).filter(e -> e.status().isFinal()).orElse(null));
  }
}
