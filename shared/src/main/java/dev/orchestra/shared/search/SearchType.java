package dev.orchestra.shared.search;

/** experiment.yml {@code type}: offline (Bayesian, the default), random or grid. */
public enum SearchType {
  OFFLINE,
  RANDOM,
  GRID;

  /**
   * Whether a suggestion depends on the runs so far (their observations, or the points already
   * pending): Bayesian and grid search do; random search draws from its own state alone, so a
   * refill need not read the runs.
   */
  public boolean learnsFromRuns() {
    return this != RANDOM;
  }
}
