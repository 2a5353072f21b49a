package dev.orchestra.shared;

/**
 * Names of the environment variables (configuration keys) that CDK, the handlers, the local runtime
 * and the CLI agree on. A name lives here once; nobody spells it as a literal elsewhere. The run
 * contract's variables (what a training process sees) are in {@code run.RunContract}.
 */
public final class EnvVars {
  private EnvVars() {}

  /** The AWS endpoint every SDK client uses; locally the runtime's router. Unset in AWS. */
  public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";

  /** The AWS region. */
  public static final String AWS_REGION = "AWS_REGION";

  /**
   * Overrides the Kubernetes API endpoint of every cluster (instead of EKS DescribeCluster); the
   * local runtime points it at its mock Kubernetes API.
   */
  public static final String K8S_ENDPOINT = "ORCHESTRA_K8S_ENDPOINT";

  /** PEM of the CA that signed the overridden Kubernetes endpoint's certificate. */
  public static final String K8S_CA = "ORCHESTRA_K8S_CA";

  /** {@code true}: trust any certificate of the overridden endpoint (loopback only). */
  public static final String K8S_INSECURE = "ORCHESTRA_K8S_INSECURE";

  /**
   * Scale factor for waits, heartbeats, timeouts and idle periods ({@code 1} in AWS; e.g. {@code
   * 0.05} in tests). See {@code TimeScale}.
   */
  public static final String TIME_SCALE = "ORCHESTRA_TIME_SCALE";

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
}
