package dev.orchestra.functions.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the store's conditional transactions came out in this process: commits, optimistic-race
 * losses (a Suggest that lost the optimizer version, a finish whose counters moved) and repeats (an
 * earlier call had done it). Process-wide counters, for the local runtime's benchmark and for logs;
 * nothing reads them to decide anything.
 */
public final class StoreCounters {
  private static final Map<String, AtomicLong> COUNTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private StoreCounters() {}

  static void count(String what) {
    COUNTS.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  /** Every counter by name ({@code suggest.conflict}, {@code finish.committed}, ...), sorted. */
  public static Map<String, Long> snapshot() {
    Map<String, Long> out = new LinkedHashMap<>();
    COUNTS.keySet().stream().sorted().forEach(k -> out.put(k, COUNTS.get(k).get()));
    return out;
  }

  /** Sets every counter back to zero. */
  public static void reset() {
    COUNTS.clear();
  }
}
