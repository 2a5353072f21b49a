package dev.orchestra.shared.config;

import java.util.List;

/**
 * A validated pool.yml: a pool of EC2 instances, each running the Orchestra agent, that runs
 * experiments without Kubernetes. pool.yml is Orchestra's own file (SigOpt had none).
 *
 * @param poolName the pool's name; Orchestra manages only instances and spot requests tagged
 *     {@value #OWNERSHIP_TAG}{@code = <poolName>}
 * @param instanceTypes tried in this order when EC2 has no capacity for the one before
 * @param spot launch spot instances
 * @param onDemandFallback with {@code spot}: when no listed type has spot capacity, launch the
 *     types on demand (in the same order)
 * @param maxInstances the most instances the pool runs at once (pending ones included)
 * @param idleTimeoutMinutes an agent with no work for this long shuts its instance down
 * @param ami a fixed AMI id, or null when {@code amiDiscovery} picks one
 * @param amiDiscovery the newest AMI of one owner account matching a name, or null with {@code ami}
 * @param volumeType the root volume's EBS type
 * @param volumeSizeGib the root volume's size
 * @param subnets where instances launch; empty: the default VPC's default subnets
 * @param securityGroup the instances' security group, or null for the VPC's default group
 * @param setupCmds shell commands run once at boot, before the agent starts
 */
public record PoolConfig(
    String poolName,
    List<String> instanceTypes,
    boolean spot,
    boolean onDemandFallback,
    int maxInstances,
    int idleTimeoutMinutes,
    String ami,
    AmiDiscovery amiDiscovery,
    String volumeType,
    int volumeSizeGib,
    List<String> subnets,
    String securityGroup,
    List<String> setupCmds) {

  /** The tag every instance and spot request of a pool carries; its value is the pool name. */
  public static final String OWNERSHIP_TAG = "orchestra:pool";

  public static final int DEFAULT_IDLE_TIMEOUT_MINUTES = 10;
  public static final String DEFAULT_VOLUME_TYPE = "gp3";
  public static final int DEFAULT_VOLUME_SIZE_GIB = 100;

  /**
   * AMI discovery restricted to one owner account: the newest image of {@code owner} whose name
   * matches {@code name} (EC2's name filter, {@code *} and {@code ?} wildcards) and architecture.
   */
  public record AmiDiscovery(String owner, String name, String architecture) {}

  public PoolConfig {
    instanceTypes = List.copyOf(instanceTypes);
    subnets = subnets == null ? List.of() : List.copyOf(subnets);
    setupCmds = setupCmds == null ? List.of() : List.copyOf(setupCmds);
    if ((ami == null) == (amiDiscovery == null)) {
      throw new IllegalArgumentException("a pool has ami or amiDiscovery, exactly one");
    }
  }
}
