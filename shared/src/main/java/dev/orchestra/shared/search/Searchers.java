package dev.orchestra.shared.search;

/** Creates and restores searchers by experiment type. */
public final class Searchers {
  private Searchers() {}

  /** A fresh searcher for an experiment. */
  public static Searcher create(SearchType type, SearchSpace space, long seed) {
    return switch (type) {
      case RANDOM -> new RandomSearcher(space, seed, Rngs.create(seed), 0);
      case GRID -> new GridSearcher(space, seed, 0, 0);
      case OFFLINE -> new BayesianSearcher(space, seed, Rngs.create(seed), 0);
    };
  }

  /**
   * Number of points of a grid experiment's grid (saturating at Long.MAX_VALUE): its runs are
   * min(budget, this), taken in {@link GridSearcher}'s stable order.
   *
   * @throws IllegalArgumentException when a double parameter has no grid values
   */
  public static long gridSize(SearchSpace space) {
    return new GridSearcher(space, 0, 0, 0).size();
  }

  /** The searcher exactly as it was when {@code state} was taken. */
  public static Searcher restore(SearcherState state, SearchSpace space) {
    return switch (state.type()) {
      case RANDOM ->
          new RandomSearcher(
              space,
              state.seed(),
              Rngs.restore(state.data().get("rng").asText()),
              state.suggested());
      case GRID ->
          new GridSearcher(
              space, state.seed(), state.data().get("cursor").asLong(), state.suggested());
      case OFFLINE ->
          new BayesianSearcher(
              space,
              state.seed(),
              Rngs.restore(state.data().get("rng").asText()),
              state.suggested());
    };
  }
}
