package dev.orchestra.shared.search;

/** experiment.yml {@code type}: offline (Bayesian, the default), random or grid. */
public enum SearchType {
  OFFLINE,
  RANDOM,
  GRID
}
