package dev.orchestra.shared.search;

/** The kinds of parameter SigOpt's experiment.yml allows. */
public enum ParameterType {
  DOUBLE,
  INT,
  CATEGORICAL
}
