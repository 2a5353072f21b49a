package dev.orchestra.shared.search;

/** Creates and restores searchers by experiment type. */
public final class Searchers {
  private Searchers() {}

  /** A fresh searcher for an experiment. */
  public static Searcher create(SearchType type, SearchSpace space, long seed) {
    throw new UnsupportedOperationException("searchers land with the optimizer work");
  }

  /** The searcher exactly as it was when {@code state} was taken. */
  public static Searcher restore(SearcherState state, SearchSpace space) {
    throw new UnsupportedOperationException("searchers land with the optimizer work");
  }
}
