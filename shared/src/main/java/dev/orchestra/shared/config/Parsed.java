package dev.orchestra.shared.config;

import java.util.List;

/**
 * The outcome of parsing a file: the model, or the findings that explain why there is none. Never
 * both.
 */
public record Parsed<T>(T value, List<Finding> findings) {
  public Parsed {
    findings = List.copyOf(findings);
    if ((value == null) == findings.isEmpty()) {
      throw new IllegalArgumentException("a model or findings, never both or neither");
    }
  }

  public boolean ok() {
    return value != null;
  }

  static <T> Parsed<T> of(T value, List<Finding> findings) {
    return findings.isEmpty() ? new Parsed<>(value, List.of()) : new Parsed<>(null, findings);
  }
}
