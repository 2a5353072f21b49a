package dev.orchestra.shared.search;

import java.util.List;

/**
 * One dimension of the search space, already validated.
 *
 * @param name the parameter's name as written in experiment.yml
 * @param type double, int or categorical
 * @param min lower bound (inclusive) for double/int; null for categorical
 * @param max upper bound (inclusive) for double/int; null for categorical
 * @param log {@code transformation: log}: search in log space (min > 0)
 * @param categories the categorical values, in file order; empty otherwise
 * @param grid explicit grid values (Double, Long or String by type), in file order; empty when none
 *     were given
 */
public record Parameter(
    String name,
    ParameterType type,
    Double min,
    Double max,
    boolean log,
    List<String> categories,
    List<Object> grid) {
  public Parameter {
    categories = categories == null ? List.of() : List.copyOf(categories);
    grid = grid == null ? List.of() : List.copyOf(grid);
  }
}
