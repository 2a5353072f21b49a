package dev.orchestra.shared.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Independent uniform samples: doubles uniform between the bounds (log-uniform with {@code
 * transformation: log}), ints uniform over the integers (log-uniform over their cells when log),
 * categories uniform. Each suggestion takes exactly one draw from the kept generator, so the
 * generator's state is a function of (seed, suggestions so far) alone.
 */
final class RandomSearcher implements Searcher {
  private final SearchSpace space;
  private final long seed;
  private final RestorableUniformRandomProvider rng;
  private long suggested;

  RandomSearcher(
      SearchSpace space, long seed, RestorableUniformRandomProvider rng, long suggested) {
    this.space = space;
    this.seed = seed;
    this.rng = rng;
    this.suggested = suggested;
  }

  @Override
  public List<Map<String, Object>> suggest(
      int count, List<Observation> completed, List<Map<String, Object>> pending) {
    List<Map<String, Object>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(sample(space.parameters(), Rngs.create(rng.nextLong())));
      suggested++;
    }
    return out;
  }

  /** One uniform assignment. */
  static Map<String, Object> sample(List<Parameter> parameters, UniformRandomProvider r) {
    Map<String, Object> a = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      switch (p.type()) {
        case DOUBLE -> {
          double v;
          if (p.log()) {
            v =
                Math.exp(
                    Math.log(p.min()) + r.nextDouble() * (Math.log(p.max()) - Math.log(p.min())));
          } else {
            v = p.min() + r.nextDouble() * (p.max() - p.min());
          }
          a.put(p.name(), Math.min(p.max(), Math.max(p.min(), v)));
        }
        case INT -> {
          long lo = Math.round(p.min());
          long hi = Math.round(p.max());
          long v;
          if (p.log()) {
            double l = Math.log(lo - 0.5);
            double h = Math.log(hi + 0.5);
            v = Math.round(Math.exp(l + r.nextDouble() * (h - l)));
          } else {
            v = lo + r.nextLong(hi - lo + 1);
          }
          a.put(p.name(), Math.min(hi, Math.max(lo, v)));
        }
        case CATEGORICAL -> a.put(p.name(), p.categories().get(r.nextInt(p.categories().size())));
      }
    }
    return a;
  }

  @Override
  public SearcherState snapshot() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("rng", Rngs.save(rng));
    return new SearcherState(SearchType.RANDOM, seed, suggested, data);
  }
}
