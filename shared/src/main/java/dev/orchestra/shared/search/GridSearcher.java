package dev.orchestra.shared.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cartesian product of every parameter's grid values, in a stable order: parameters vary like
 * nested loops written in file order, so the <b>first parameter varies slowest</b> and the last
 * fastest, and each parameter's values come in file order.
 *
 * <p>A parameter's values: its {@code grid} when given; otherwise a categorical's values, or every
 * integer between an int's bounds. A double without a grid has no grid values and is refused.
 *
 * <p>Points are handed out by a cursor (the state), so the experiment's runs are the first
 * min(budget, grid size) points; points already pending or completed are skipped, and when the grid
 * is exhausted {@code suggest} returns fewer suggestions, possibly none.
 */
public final class GridSearcher implements Searcher {
  private final SearchSpace space;
  private final long seed;
  private final SpaceCodec codec;
  private final List<List<Object>> values;
  private final long size;
  private long cursor;
  private long suggested;

  GridSearcher(SearchSpace space, long seed, long cursor, long suggested) {
    this.space = space;
    this.seed = seed;
    this.codec = new SpaceCodec(space.parameters());
    this.values = new ArrayList<>();
    long n = 1;
    for (Parameter p : space.parameters()) {
      List<Object> v = gridValues(p);
      values.add(v);
      n = multiplySaturated(n, v.size());
    }
    this.size = n;
    this.cursor = cursor;
    this.suggested = suggested;
  }

  /** The grid values of one parameter, typed as assignments are (Double, Long, String). */
  public static List<Object> gridValues(Parameter p) {
    List<Object> out = new ArrayList<>();
    if (!p.grid().isEmpty()) {
      for (Object g : p.grid()) {
        out.add(
            switch (p.type()) {
              case DOUBLE -> ((Number) g).doubleValue();
              case INT -> ((Number) g).longValue();
              case CATEGORICAL -> g.toString();
            });
      }
      return out;
    }
    switch (p.type()) {
      case CATEGORICAL -> out.addAll(p.categories());
      case INT -> {
        long lo = Math.round(p.min());
        long hi = Math.round(p.max());
        if (hi - lo >= 1_000_000) {
          throw new IllegalArgumentException(
              "parameter " + p.name() + " spans over a million integers; give it a grid");
        }
        for (long v = lo; v <= hi; v++) {
          out.add(v);
        }
      }
      case DOUBLE ->
          throw new IllegalArgumentException(
              "parameter " + p.name() + " is a double without grid values; grid search needs them");
    }
    return out;
  }

  /** Number of grid points (saturating at Long.MAX_VALUE). */
  public long size() {
    return size;
  }

  /** The grid point at {@code index} in the stable order. */
  public Map<String, Object> point(long index) {
    Object[] chosen = new Object[values.size()];
    long rest = index;
    for (int i = values.size() - 1; i >= 0; i--) {
      int k = values.get(i).size();
      chosen[i] = values.get(i).get((int) (rest % k));
      rest /= k;
    }
    Map<String, Object> a = new LinkedHashMap<>();
    for (int i = 0; i < chosen.length; i++) {
      a.put(space.parameters().get(i).name(), chosen[i]);
    }
    return a;
  }

  @Override
  public List<Map<String, Object>> suggest(
      int count, List<Observation> completed, List<Map<String, Object>> pending) {
    Set<String> taken = new HashSet<>();
    for (Observation o : completed) {
      taken.add(codec.key(o.assignments()));
    }
    for (Map<String, Object> p : pending) {
      taken.add(codec.key(p));
    }
    List<Map<String, Object>> out = new ArrayList<>();
    while (out.size() < count && cursor < size) {
      Map<String, Object> a = point(cursor++);
      if (taken.add(codec.key(a))) {
        out.add(a);
        suggested++;
      }
    }
    return out;
  }

  @Override
  public SearcherState snapshot() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("cursor", cursor);
    return new SearcherState(SearchType.GRID, seed, suggested, data);
  }

  private static long multiplySaturated(long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
