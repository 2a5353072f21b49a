package dev.orchestra.shared.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps assignments to points of the unit cube and back, which is where every model works.
 *
 * <p>double: one coordinate, linear or (with {@code transformation: log}) logarithmic between the
 * bounds. int: one coordinate covering {@code [min − ½, max + ½]} (in log space when log), so each
 * integer owns an equal slice and decoding rounds. categorical: one coordinate per category
 * (one-hot); decoding takes the largest.
 */
public final class SpaceCodec {
  private final List<Parameter> parameters;
  private final int[] offsets;
  private final int dimensions;
  private final boolean allDouble;

  public SpaceCodec(List<Parameter> parameters) {
    this.parameters = List.copyOf(parameters);
    this.offsets = new int[parameters.size()];
    int d = 0;
    for (int i = 0; i < parameters.size(); i++) {
      offsets[i] = d;
      Parameter p = parameters.get(i);
      d += p.type() == ParameterType.CATEGORICAL ? p.categories().size() : 1;
    }
    this.dimensions = d;
    this.allDouble = parameters.stream().allMatch(p -> p.type() == ParameterType.DOUBLE);
  }

  public List<Parameter> parameters() {
    return parameters;
  }

  /** Number of unit-cube coordinates. */
  public int dimensions() {
    return dimensions;
  }

  /** Coordinate index where parameter {@code i} starts. */
  public int offset(int i) {
    return offsets[i];
  }

  /** True for coordinates that belong to a categorical parameter (one-hot). */
  public boolean[] categoricalMask() {
    boolean[] mask = new boolean[dimensions];
    for (int i = 0; i < parameters.size(); i++) {
      if (parameters.get(i).type() == ParameterType.CATEGORICAL) {
        for (int j = 0; j < parameters.get(i).categories().size(); j++) {
          mask[offsets[i] + j] = true;
        }
      }
    }
    return mask;
  }

  /** The unit-cube point of an assignment. */
  public double[] encode(Map<String, Object> assignment) {
    double[] u = new double[dimensions];
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      Object v = assignment.get(p.name());
      if (v == null) {
        throw new IllegalArgumentException("assignment has no value for " + p.name());
      }
      switch (p.type()) {
        case DOUBLE -> u[offsets[i]] = toUnit(p, ((Number) v).doubleValue(), 0);
        case INT -> u[offsets[i]] = toUnit(p, ((Number) v).doubleValue(), 0.5);
        case CATEGORICAL -> {
          int k = p.categories().indexOf(v.toString());
          if (k < 0) {
            throw new IllegalArgumentException(p.name() + " has no category " + v);
          }
          u[offsets[i] + k] = 1;
        }
      }
    }
    return u;
  }

  /** The assignment a unit-cube point stands for (ints rounded, categories by largest score). */
  public Map<String, Object> decode(double[] u) {
    Map<String, Object> a = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      int o = offsets[i];
      switch (p.type()) {
        case DOUBLE -> {
          double v = fromUnit(p, u[o], 0);
          a.put(p.name(), Math.min(p.max(), Math.max(p.min(), v)));
        }
        case INT -> {
          long lo = Math.round(p.min());
          long hi = Math.round(p.max());
          long v = Math.round(fromUnit(p, u[o], 0.5));
          a.put(p.name(), Math.min(hi, Math.max(lo, v)));
        }
        case CATEGORICAL -> {
          int best = 0;
          for (int j = 1; j < p.categories().size(); j++) {
            if (u[o + j] > u[o + best]) {
              best = j;
            }
          }
          a.put(p.name(), p.categories().get(best));
        }
      }
    }
    return a;
  }

  /**
   * The point snapped to what it decodes to (ints to their cell's centre, categories to one-hot),
   * so the model only ever scores values a run can take. Allocation-free for double-only spaces.
   */
  public double[] snap(double[] u) {
    if (allDouble) {
      double[] out = u.clone();
      for (int i = 0; i < out.length; i++) {
        out[i] = Math.min(1, Math.max(0, out[i]));
      }
      return out;
    }
    return encode(decode(u));
  }

  /** A stable text key of an assignment, for duplicate checks. */
  public String key(Map<String, Object> assignment) {
    List<String> parts = new ArrayList<>(parameters.size());
    for (Parameter p : parameters) {
      Object v = assignment.get(p.name());
      parts.add(
          switch (p.type()) {
            case DOUBLE -> Double.toString(((Number) v).doubleValue());
            case INT -> Long.toString(((Number) v).longValue());
            case CATEGORICAL -> String.valueOf(v);
          });
    }
    return String.join("\u0001", parts);
  }

  private static double toUnit(Parameter p, double v, double pad) {
    double lo = p.min() - pad;
    double hi = p.max() + pad;
    double u;
    if (p.log()) {
      u = (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
    } else {
      u = (v - lo) / (hi - lo);
    }
    return hi > lo ? Math.min(1, Math.max(0, u)) : 0.5;
  }

  private static double fromUnit(Parameter p, double u, double pad) {
    double lo = p.min() - pad;
    double hi = p.max() + pad;
    u = Math.min(1, Math.max(0, u));
    if (p.log()) {
      return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
    }
    return lo + u * (hi - lo);
  }
}
