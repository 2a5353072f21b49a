package dev.orchestra.functions.pool;

import dev.orchestra.shared.config.Finding;
import java.util.List;

/**
 * A pool request the caller must fix: an invalid pool.yml (with its findings), a name that does not
 * match, a pool that is being destroyed.
 */
public class PoolRequestException extends RuntimeException {
  private final List<Finding> findings;

  public PoolRequestException(String message, List<Finding> findings) {
    super(message);
    this.findings = findings == null ? List.of() : List.copyOf(findings);
  }

  public PoolRequestException(String message) {
    this(message, List.of());
  }

  public List<Finding> findings() {
    return findings;
  }
}
