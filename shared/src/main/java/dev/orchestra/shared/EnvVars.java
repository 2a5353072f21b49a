package dev.orchestra.shared;

/**
 * Names of the environment variables (configuration) the control plane reads. The CDK stack sets
 * them on every function, the local runtime puts the same names in its configuration map, and the
 * code reads them only through these constants.
 */
public final class EnvVars {
  private EnvVars() {}

  /** AWS region of the control plane. */
  public static final String AWS_REGION = "AWS_REGION";

  /** Endpoint override for every AWS client (the local runtime's router). */
  public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";

  /**
   * Kubernetes API URL used for every cluster instead of EKS DescribeCluster (the local runtime
   * points it at its mock Kubernetes API).
   */
  public static final String K8S_ENDPOINT = "ORCHESTRA_K8S_ENDPOINT";

  /** With {@link #K8S_ENDPOINT}: the API's CA certificate, PEM text or base64 of the PEM. */
  public static final String K8S_CA = "ORCHESTRA_K8S_CA";

  /**
   * With {@link #K8S_ENDPOINT}: {@code true} skips TLS verification. Refused unless the endpoint's
   * host is a loopback address.
   */
  public static final String K8S_INSECURE = "ORCHESTRA_K8S_INSECURE";

  /** Multiplies every wait, heartbeat interval and timeout (local runtime and tests). */
  public static final String TIME_SCALE = "ORCHESTRA_TIME_SCALE";

  /** The reporter container's image, pinned by digest ({@code name@sha256:<64 hex>}). */
  public static final String REPORTER_IMAGE = "ORCHESTRA_REPORTER_IMAGE";

  /** The ServiceAccount reporter pods run as (default {@code orchestra-reporter}). */
  public static final String REPORTER_SERVICE_ACCOUNT = "ORCHESTRA_REPORTER_SERVICE_ACCOUNT";

  /** SQS queue every carrier sends heartbeats and results to. */
  public static final String RESULTS_QUEUE_URL = "ORCHESTRA_RESULTS_QUEUE_URL";

  /** The stack's bucket: experiment drops, run outputs ({@code runs/}), reports. */
  public static final String BUCKET = "ORCHESTRA_BUCKET";

  /** Seconds between a carrier's heartbeats (default 60, before time scaling). */
  public static final String HEARTBEAT_SECONDS = "ORCHESTRA_HEARTBEAT_SECONDS";

  /** Seconds a finished Job is kept before Kubernetes deletes it (default 3600). */
  public static final String JOB_TTL_SECONDS = "ORCHESTRA_JOB_TTL_SECONDS";

  /**
   * Seconds the reporter waits for the training container to start (image pull, scheduling) before
   * it reports the attempt failed (default 1800).
   */
  public static final String RUN_START_TIMEOUT_SECONDS = "ORCHESTRA_RUN_START_TIMEOUT_SECONDS";

  /** The experiments table (experiments and their runs, one partition per experiment). */
  public static final String TABLE = "ORCHESTRA_TABLE";

  /** The experiment state machine (its executions are named by experiment id). */
  public static final String EXPERIMENT_STATE_MACHINE_ARN =
      "ORCHESTRA_EXPERIMENT_STATE_MACHINE_ARN";

  /** The run state machine (its executions are named by run id). */
  public static final String RUN_STATE_MACHINE_ARN = "ORCHESTRA_RUN_STATE_MACHINE_ARN";

  /**
   * The compute target used when an experiment names none: locally the built-in cluster {@code
   * local}, whose Kubernetes API is the runtime's mock.
   */
  public static final String DEFAULT_CLUSTER = "ORCHESTRA_DEFAULT_CLUSTER";

  /**
   * The python3 with moto's server extras that the local runtime starts (default {@code python3}).
   */
  public static final String PYTHON = "ORCHESTRA_PYTHON";

  /** Where the local runtime keeps its state file and logs (default {@code ~/.orchestra}). */
  public static final String ORCHESTRA_HOME = "ORCHESTRA_HOME";

  /** Seconds without a heartbeat after which a run attempt fails (default 300, before scaling). */
  public static final String RUN_HEARTBEAT_TIMEOUT_SECONDS =
      "ORCHESTRA_RUN_HEARTBEAT_TIMEOUT_SECONDS";

  /** Static credentials for the SDK clients (the local runtime's dummy keys); else the chain. */
  public static final String AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";

  public static final String AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

  /**
   * With the two above: the session token of temporary credentials. Lambda sets all three from the
   * function's role; signing without the token is refused by every AWS service.
   */
  public static final String AWS_SESSION_TOKEN = "AWS_SESSION_TOKEN";

  /**
   * The {@code FunctionCatalog} name a deployed Lambda function serves; the stack sets it, and the
   * one Lambda entry class builds that catalog entry's handler.
   */
  public static final String FUNCTION = "ORCHESTRA_FUNCTION";

  /** The cluster records table (one item per cluster name). */
  public static final String CLUSTER_TABLE = "ORCHESTRA_CLUSTER_TABLE";

  /**
   * The permissions boundary on every role cluster create makes; {@code additional_policies} it
   * would cancel are refused. Unset: no boundary (and no check).
   */
  public static final String PERMISSIONS_BOUNDARY_ARN = "ORCHESTRA_PERMISSIONS_BOUNDARY_ARN";

  /**
   * The cluster-operations Lambda role(s), comma-separated (each function that talks to Kubernetes
   * has its own role): cluster admin on every cluster (access entry).
   */
  public static final String CLUSTER_OPS_ROLE_ARN = "ORCHESTRA_CLUSTER_OPS_ROLE_ARN";

  /** The dispatcher Lambda role: edit rights in the runs namespace only (access entry). */
  public static final String DISPATCHER_ROLE_ARN = "ORCHESTRA_DISPATCHER_ROLE_ARN";

  /** The function EventBridge invokes for a cluster's idle check (its ARN or name). */
  public static final String IDLE_CHECK_FUNCTION_ARN = "ORCHESTRA_IDLE_CHECK_FUNCTION_ARN";

  /** The cluster create state machine (the API and the CLI start it). */
  public static final String CLUSTER_CREATE_STATE_MACHINE_ARN =
      "ORCHESTRA_CLUSTER_CREATE_STATE_MACHINE_ARN";

  /** The cluster update state machine (the API and the CLI start it). */
  public static final String CLUSTER_UPDATE_STATE_MACHINE_ARN =
      "ORCHESTRA_CLUSTER_UPDATE_STATE_MACHINE_ARN";

  /**
   * The cluster destroy state machine (the idle check starts it for {@code idle_action: destroy}).
   */
  public static final String CLUSTER_DESTROY_STATE_MACHINE_ARN =
      "ORCHESTRA_CLUSTER_DESTROY_STATE_MACHINE_ARN";

  /**
   * Comma-separated subnet ids for EKS clusters and node groups (at least two availability zones).
   * Unset: the default VPC's default subnets in zones EKS supports.
   */
  public static final String SUBNET_IDS = "ORCHESTRA_SUBNET_IDS";

  /**
   * The EC2 pools table (the pool records, their agents' last reports, Orchestra's terminations).
   */
  public static final String POOL_TABLE = "ORCHESTRA_POOL_TABLE";

  /** The function each pool's EventBridge schedule invokes (its ARN or name): the scaling tick. */
  public static final String POOL_TICK_FUNCTION_ARN = "ORCHESTRA_POOL_TICK_FUNCTION_ARN";
}
