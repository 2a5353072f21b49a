package dev.orchestra.shared;

import dev.orchestra.shared.experiment.ExperimentFailedException;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentRejectedException;
import dev.orchestra.shared.run.DispatchFailedException;
import dev.orchestra.shared.run.RunFailedException;
import dev.orchestra.shared.run.RunInterruptedException;
import dev.orchestra.shared.run.RunLostException;
import java.util.Set;

/**
 * Error names the state machines match in {@code ErrorEquals}. A Java Lambda's error surfaces under
 * the exception's fully-qualified class name, so these are class names; the ASL files use the same
 * strings, and a unit test checks every {@code ErrorEquals} entry against {@link #ALL}.
 */
public final class Errors {
  private Errors() {}

  public static final String RUN_FAILED = RunFailedException.NAME;
  public static final String RUN_LOST = RunLostException.NAME;
  public static final String RUN_INTERRUPTED = RunInterruptedException.NAME;
  public static final String DISPATCH_FAILED = DispatchFailedException.NAME;
  public static final String EXPERIMENT_NOT_FOUND = ExperimentNotFoundException.NAME;
  public static final String EXPERIMENT_REJECTED = ExperimentRejectedException.NAME;
  public static final String EXPERIMENT_FAILED = ExperimentFailedException.NAME;
  public static final String CLUSTER_REFUSED =
      dev.orchestra.shared.cluster.ClusterRefusedException.NAME;
  public static final String CLUSTER_STEP_FAILED =
      dev.orchestra.shared.cluster.ClusterStepFailedException.NAME;

  public static final String TRANSIENT = TransientFailureException.NAME;

  // Step Functions' own names.
  public static final String STATES_ALL = "States.ALL";
  public static final String STATES_TIMEOUT = "States.Timeout";
  public static final String STATES_HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout";
  public static final String STATES_TASK_FAILED = "States.TaskFailed";

  // Lambda's transient errors, retried by every Lambda Task.
  public static final Set<String> LAMBDA_TRANSIENT =
      Set.of(
          "Lambda.ServiceException",
          "Lambda.SdkClientException",
          "Lambda.TooManyRequestsException",
          "Lambda.AWSLambdaException");

  /** Every name an ASL file may use. */
  public static final Set<String> ALL =
      union(
          Set.of(
              RUN_FAILED,
              RUN_LOST,
              RUN_INTERRUPTED,
              DISPATCH_FAILED,
              EXPERIMENT_NOT_FOUND,
              EXPERIMENT_REJECTED,
              EXPERIMENT_FAILED,
              CLUSTER_REFUSED,
              CLUSTER_STEP_FAILED,
              TRANSIENT,
              STATES_ALL,
              STATES_TIMEOUT,
              STATES_HEARTBEAT_TIMEOUT,
              STATES_TASK_FAILED),
          LAMBDA_TRANSIENT);

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.HashSet<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
