package dev.orchestra.shared.experiment;

import dev.orchestra.shared.config.Finding;
import java.util.List;

/** experiment.yml or run.yml did not validate; the findings say where and how to fix them. */
public class ExperimentRejectedException extends RuntimeException {
  public static final String NAME = ExperimentRejectedException.class.getName();
  private final transient List<Finding> findings;

  public ExperimentRejectedException(List<Finding> findings) {
    super(
        findings.isEmpty()
            ? "experiment rejected"
            : "experiment rejected: "
                + findings.get(0).file()
                + " "
                + findings.get(0).path()
                + ": "
                + findings.get(0).problem());
    this.findings = List.copyOf(findings);
  }

  public List<Finding> findings() {
    return findings;
  }
}
