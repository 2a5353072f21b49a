package dev.orchestra.shared.run;

import java.util.Locale;

/**
 * The contract between Orchestra and a training run: the environment a run sees, and the names the
 * dispatcher, the reporter, the process node and the agent agree on. A training image knows nothing
 * of Orchestra beyond these variables and the metrics file.
 */
public final class RunContract {
  private RunContract() {}

  // Seen by the training process.
  public static final String EXPERIMENT_ID = "ORCHESTRA_EXPERIMENT_ID";
  public static final String RUN_ID = "ORCHESTRA_RUN_ID";
  public static final String ASSIGNMENTS = "ORCHESTRA_ASSIGNMENTS";
  public static final String METRICS_FILE = "ORCHESTRA_METRICS_FILE";
  public static final String PARAM_PREFIX = "ORCHESTRA_PARAM_";

  // Seen only by the carrier (reporter container, process node, agent), never by training.
  public static final String NONCE = "ORCHESTRA_NONCE";
  public static final String ATTEMPT = "ORCHESTRA_ATTEMPT";
  public static final String RESULTS_QUEUE_URL = "ORCHESTRA_RESULTS_QUEUE_URL";
  public static final String BUCKET = "ORCHESTRA_BUCKET";
  public static final String HEARTBEAT_SECONDS = "ORCHESTRA_HEARTBEAT_SECONDS";

  /** Kubernetes objects of runs live here. */
  public static final String NAMESPACE = "orchestra-runs";

  /** Job labels. */
  public static final String LABEL_EXPERIMENT = "orchestra.dev/experiment";

  public static final String LABEL_RUN = "orchestra.dev/run";
  public static final String LABEL_ATTEMPT = "orchestra.dev/attempt";

  /**
   * Job annotation holding the user's command exactly as run.yml wrote it; the local process node
   * runs this (the container command wraps it for the reporter).
   */
  public static final String ANNOTATION_COMMAND = "orchestra.dev/command";

  /** Job annotation, local mode only: the folder of run.yml, where the command runs. */
  public static final String ANNOTATION_WORKDIR = "orchestra.dev/workdir";

  /** Output kept on the run record and in the result message. */
  public static final int TAIL_LINES = 50;

  public static final int TAIL_BYTES = 8 * 1024;

  /**
   * {@code ORCHESTRA_PARAM_<NAME>}: upper-cased, every character outside {@code [A-Z0-9_]} becomes
   * {@code _}. Two parameters mapping to the same variable are a validation error.
   */
  public static String paramEnvName(String parameterName) {
    StringBuilder sb = new StringBuilder(PARAM_PREFIX);
    for (char c : parameterName.toUpperCase(Locale.ROOT).toCharArray()) {
      sb.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
    }
    return sb.toString();
  }

  /** The Kubernetes Job (and pool work item) name for an attempt: {@code <run id>-a<attempt>}. */
  public static String workloadName(String runId, int attempt) {
    return runId + "-a" + attempt;
  }
}
