package dev.orchestra.local.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Counts and times calls by (caller, service, operation): the router's view of every AWS call on
 * the local stack, and the invoker's of every Lambda invocation. Counts do not depend on the
 * machine's load; the latencies (kept per call, in microseconds) show where the time goes. Thread
 * safe; {@link #reset()} starts a new window.
 */
public final class CallStats {
  /** Who made a call, to which service, for what. */
  public record Key(String caller, String service, String operation) implements Comparable<Key> {
    private static final Comparator<Key> ORDER =
        Comparator.comparing(Key::caller).thenComparing(Key::service).thenComparing(Key::operation);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }
  }

  /** One key's calls in the window: how many, how many failed, and their latencies. */
  public record Tally(long count, long errors, long[] micros) {
    /** The {@code p}-th percentile latency in milliseconds (nearest rank), 0 with no calls. */
    public double percentileMs(double p) {
      if (micros.length == 0) {
        return 0;
      }
      long[] sorted = micros.clone();
      Arrays.sort(sorted);
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1000.0;
    }

    public double totalMs() {
      long sum = 0;
      for (long m : micros) {
        sum += m;
      }
      return sum / 1000.0;
    }
  }

  private static final int MAX_SAMPLES = 200_000;

  private static final class Counter {
    long count;
    long errors;
    long[] micros = new long[64];
    int samples;

    synchronized void add(long nanos, boolean error) {
      count++;
      if (error) {
        errors++;
      }
      if (samples < MAX_SAMPLES) {
        if (samples == micros.length) {
          micros = Arrays.copyOf(micros, micros.length * 2);
        }
        micros[samples++] = nanos / 1000;
      }
    }

    synchronized Tally tally() {
      return new Tally(count, errors, Arrays.copyOf(micros, samples));
    }
  }

  private volatile ConcurrentMap<Key, Counter> counters = new ConcurrentHashMap<>();

  public void record(Key key, long nanos, boolean error) {
    counters.computeIfAbsent(key, k -> new Counter()).add(nanos, error);
  }

  /** Starts a new window: what was counted so far is dropped. */
  public void reset() {
    counters = new ConcurrentHashMap<>();
  }

  /** The window so far, ordered by caller, service, operation. */
  public Map<Key, Tally> snapshot() {
    Map<Key, Tally> out = new java.util.TreeMap<>();
    counters.forEach((k, c) -> out.put(k, c.tally()));
    return out;
  }

  /** Latencies of every key matching {@code filter}, merged. */
  public static Tally merge(Map<Key, Tally> snapshot, java.util.function.Predicate<Key> filter) {
    long count = 0;
    long errors = 0;
    List<long[]> parts = new ArrayList<>();
    int n = 0;
    for (Map.Entry<Key, Tally> e : snapshot.entrySet()) {
      if (filter.test(e.getKey())) {
        count += e.getValue().count();
        errors += e.getValue().errors();
        parts.add(e.getValue().micros());
        n += e.getValue().micros().length;
      }
    }
    long[] all = new long[n];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return new Tally(count, errors, all);
  }
}
