package dev.orchestra.functions.cluster;

import dev.orchestra.shared.config.Finding;
import java.util.List;

/**
 * A cluster request the caller must fix: an invalid cluster.yml (with its findings), a name that
 * does not match, a principal that is not an IAM ARN.
 */
public class ClusterRequestException extends RuntimeException {
  private final List<Finding> findings;

  public ClusterRequestException(String message, List<Finding> findings) {
    super(message);
    this.findings = findings == null ? List.of() : List.copyOf(findings);
  }

  public ClusterRequestException(String message) {
    this(message, List.of());
  }

  public List<Finding> findings() {
    return findings;
  }
}
