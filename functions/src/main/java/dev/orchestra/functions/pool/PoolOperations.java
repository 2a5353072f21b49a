package dev.orchestra.functions.pool;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.Parsed;
import dev.orchestra.shared.config.PoolConfig;
import java.time.Instant;
import java.util.List;

/**
 * What the API and the CLI's local path do with pools: create (record, work queue, instance role
 * and profile under /orchestra/, the scaling schedule), update, destroy (the scaling tick
 * terminates the instances, then removes the resources), status and list. Every call is idempotent.
 *
 * <p>SKELETON: the signatures are the contract between the pool core, the CLI/API and the local
 * runtime; the bodies are filled in by the pool-core work.
 */
public class PoolOperations {
  private final OrchestraConfig config;
  private final AwsClients aws;

  public PoolOperations(OrchestraConfig config, AwsClients aws) {
    this.config = config;
    this.aws = aws;
  }

  /** One instance of a pool, as status shows it. */
  public record InstanceView(
      String id,
      String instanceType,
      String capacity,
      String state,
      boolean busy,
      String workload,
      Instant launchedAt,
      Instant idleSince) {}

  /**
   * A pool's status: the record, its live instances, the runs waiting on its work queue and the
   * reasons of the last scaling decision.
   */
  public record Status(
      PoolRecord pool, List<InstanceView> instances, int pendingRuns, List<String> lastDecision) {}

  /** Parses and validates pool.yml; a file with findings is refused, with them. */
  public static PoolConfig parse(String fileName, String text) {
    Parsed<PoolConfig> p = ConfigParser.parsePool(fileName, text);
    if (!p.findings().isEmpty()) {
      throw new PoolRequestException(
          fileName + " has " + p.findings().size() + " problem(s); nothing was done", p.findings());
    }
    return p.value();
  }

  /**
   * Creates the pool (or, for the same name and configuration, answers with the existing one). A
   * different configuration under an existing name is refused: use update.
   */
  public PoolRecord create(PoolConfig pool) {
    throw new UnsupportedOperationException("pool create is not built yet");
  }

  /** Replaces the pool's configuration; running instances keep running, new ones follow it. */
  public PoolRecord update(String name, PoolConfig pool) {
    throw new UnsupportedOperationException("pool update is not built yet");
  }

  /**
   * Marks the pool DESTROYING; the scaling tick terminates its instances, cancels its spot requests
   * and then deletes the queue, profile, role and schedule (DESTROYED). Repeating it is harmless; a
   * destroyed pool answers as such.
   */
  public PoolRecord destroy(String name) {
    throw new UnsupportedOperationException("pool destroy is not built yet");
  }

  /** The pool's record, or {@link UnknownPoolException}. */
  public PoolRecord record(String name) {
    throw new UnsupportedOperationException("pool record is not built yet");
  }

  /** Every pool that is not DESTROYED, by name. */
  public List<PoolRecord> list() {
    throw new UnsupportedOperationException("pool list is not built yet");
  }

  /** The pool's status, with its live instances (DescribeInstances by the ownership tag). */
  public Status status(String name) {
    throw new UnsupportedOperationException("pool status is not built yet");
  }
}
