package dev.orchestra.shared.run;

import java.util.Map;

/**
 * One run attempt to start on a target.
 *
 * @param experimentId the experiment id
 * @param runId the run id ({@code <experiment id>-r00001})
 * @param attempt 1 for the first try, +1 per retry of the same run
 * @param nonce minted per attempt, given only to the carrier
 * @param assignments parameter name → value (Double, Long or String)
 * @param image the full image reference, already resolved (a bare name becomes the account's ECR)
 * @param command the run.yml {@code run} command, as written
 * @param requests resource name → Kubernetes quantity string (cpu, memory, ephemeral-storage)
 * @param limits resource name → Kubernetes quantity string
 * @param gpus whole GPUs, 0 for none
 * @param credentialsSecret the name of the Secret holding run.yml's aws credentials, or null
 * @param workdir local mode only: the folder of run.yml, where the command runs; null in AWS
 */
public record Workload(
    String experimentId,
    String runId,
    int attempt,
    String nonce,
    Map<String, Object> assignments,
    String image,
    String command,
    Map<String, String> requests,
    Map<String, String> limits,
    int gpus,
    String credentialsSecret,
    String workdir) {

  public String name() {
    return RunContract.workloadName(runId, attempt);
  }
}
