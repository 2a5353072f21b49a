package dev.orchestra.shared.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validated cluster.yml. Fields keep SigOpt's meaning; {@code spot}, {@code tags}, {@code
 * idle_timeout_minutes} and {@code idle_action} are Orchestra extensions, off by default.
 *
 * @param cpu the cpu node group, or null
 * @param gpu the gpu node group, or null
 * @param system the system node group, SigOpt's defaults filled in
 * @param kubernetesVersion as written, or null for the newest supported ({@link
 *     #effectiveKubernetesVersion()})
 * @param aws never null; credentials redacted from toString
 * @param tags AWS tags for everything the cluster creates; empty when none
 * @param idleTimeoutMinutes null: never idle out
 */
public record ClusterConfig(
    String clusterName,
    Provider provider,
    NodeGroup cpu,
    NodeGroup gpu,
    NodeGroup system,
    String kubernetesVersion,
    ClusterAws aws,
    Map<String, String> tags,
    Integer idleTimeoutMinutes,
    IdleAction idleAction) {

  public ClusterConfig {
    provider = provider == null ? Provider.AWS : provider;
    system = system == null ? NodeGroup.SYSTEM_DEFAULT : system;
    aws = aws == null ? ClusterAws.NONE : aws;
    tags = tags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    idleAction = idleAction == null ? IdleAction.SCALE_TO_ZERO : idleAction;
  }

  public String effectiveKubernetesVersion() {
    return kubernetesVersion == null ? EksVersions.newest() : kubernetesVersion;
  }

  /** The EKS AMI type of the gpu node group, or null without one. */
  public String gpuAmiType() {
    return gpu == null ? null : GpuFamilies.amiType(gpu.instanceType());
  }

  /** The stored and sent form: the signing credentials removed. */
  public ClusterConfig redacted() {
    return new ClusterConfig(
        clusterName,
        provider,
        cpu,
        gpu,
        system,
        kubernetesVersion,
        aws.withoutCredentials(),
        tags,
        idleTimeoutMinutes,
        idleAction);
  }
}
