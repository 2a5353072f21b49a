package dev.orchestra.shared.search;

/** Whether a metric is to be made large or small. SigOpt's default is maximize. */
public enum Objective {
  MAXIMIZE,
  MINIMIZE
}
