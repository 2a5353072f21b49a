package dev.orchestra.functions.pool;

import dev.orchestra.shared.config.PoolConfig;
import java.time.Instant;

/**
 * A pool as stored: its validated pool.yml (as written back, {@code configYaml}), where it stands,
 * and the resources pool create made for it (deterministic names, so a repeated create finds them).
 *
 * @param status CREATING, READY, DESTROYING, DESTROYED or FAILED
 * @param workQueueUrl the pool's SQS work queue ({@code orchestra-pool-<name>})
 * @param instanceProfileArn the agents' instance profile, under /orchestra/
 * @param message why the pool is FAILED or what DESTROYING waits for, or null
 * @param version bumped by every write (optimistic locking)
 */
public record PoolRecord(
    String name,
    PoolConfig config,
    String configYaml,
    String status,
    String workQueueUrl,
    String instanceProfileArn,
    String message,
    long version,
    Instant createdAt,
    Instant updatedAt) {

  public static final String CREATING = "CREATING";
  public static final String READY = "READY";
  public static final String DESTROYING = "DESTROYING";
  public static final String DESTROYED = "DESTROYED";
  public static final String FAILED = "FAILED";
}
