package dev.orchestra.functions;

import dev.orchestra.shared.run.RunContract;

/**
 * Names of the configuration every function reads; the CDK stack and the local runtime set them.
 * One place, shared by the code that sets and the code that reads.
 */
public final class EnvVars {
  private EnvVars() {}

  /** The experiments table (experiments and their runs, one partition per experiment). */
  public static final String TABLE = "ORCHESTRA_TABLE";

  /** The bucket: drops, status files, specs, optimizer state, run outputs, reports. */
  public static final String BUCKET = RunContract.BUCKET;

  public static final String RESULTS_QUEUE_URL = RunContract.RESULTS_QUEUE_URL;
  public static final String EXPERIMENT_STATE_MACHINE_ARN =
      "ORCHESTRA_EXPERIMENT_STATE_MACHINE_ARN";
  public static final String RUN_STATE_MACHINE_ARN = "ORCHESTRA_RUN_STATE_MACHINE_ARN";

  /** The compute target used when an experiment names none ({@code cluster/local} locally). */
  public static final String DEFAULT_TARGET = "ORCHESTRA_DEFAULT_TARGET";

  /** Multiplies every wait, heartbeat and timeout; 1 in AWS, small in tests. */
  public static final String TIME_SCALE = "ORCHESTRA_TIME_SCALE";

  /** Seconds without a heartbeat after which a run attempt is failed (before scaling). */
  public static final String RUN_HEARTBEAT_TIMEOUT_SECONDS =
      "ORCHESTRA_RUN_HEARTBEAT_TIMEOUT_SECONDS";

  /** Local mode: runs execute in run.yml's folder (the Workload's workdir). */
  public static final String LOCAL_MODE = "ORCHESTRA_LOCAL";

  // Standard AWS settings, read from the same configuration map.
  public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";
  public static final String AWS_REGION = "AWS_REGION";
  public static final String AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  public static final String AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";
}
