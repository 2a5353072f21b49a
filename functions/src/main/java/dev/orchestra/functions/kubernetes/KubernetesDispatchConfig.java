package dev.orchestra.functions.kubernetes;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.run.JobSettings;
import dev.orchestra.shared.run.RunCredentialsSource;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;

/** Reads the Kubernetes dispatcher's settings from the configuration, in one place. */
public final class KubernetesDispatchConfig {
  private KubernetesDispatchConfig() {}

  /**
   * The Job settings: {@code ORCHESTRA_REPORTER_IMAGE}, {@code ORCHESTRA_RESULTS_QUEUE_URL}, {@code
   * ORCHESTRA_BUCKET}, {@code AWS_REGION} (required); {@code ORCHESTRA_HEARTBEAT_SECONDS} (60),
   * {@code ORCHESTRA_RUN_START_TIMEOUT_SECONDS} (1800), both multiplied by {@code
   * ORCHESTRA_TIME_SCALE} (1) and at least 1 s; {@code ORCHESTRA_JOB_TTL_SECONDS} (3600); {@code
   * ORCHESTRA_REPORTER_SERVICE_ACCOUNT} ({@code orchestra-reporter}).
   */
  public static JobSettings jobSettings(OrchestraConfig config) {
    String image =
        config
            .get(EnvVars.REPORTER_IMAGE)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        EnvVars.REPORTER_IMAGE
                            + " is not set; set it to an image with sh and the AWS CLI v2, pinned"
                            + " by digest (name@sha256:<64 hex>)"));
    double scale = number(config, EnvVars.TIME_SCALE, 1.0);
    if (!(scale > 0)) {
      throw new IllegalStateException(EnvVars.TIME_SCALE + " must be a positive number");
    }
    return new JobSettings(
        image,
        config.get(EnvVars.REPORTER_SERVICE_ACCOUNT).orElse(JobSettings.DEFAULT_SERVICE_ACCOUNT),
        config.require(EnvVars.RESULTS_QUEUE_URL),
        config.require(EnvVars.BUCKET),
        config.require(EnvVars.AWS_REGION),
        scaled(
            number(config, EnvVars.HEARTBEAT_SECONDS, JobSettings.DEFAULT_HEARTBEAT_SECONDS),
            scale),
        scaled(
            number(
                config,
                EnvVars.RUN_START_TIMEOUT_SECONDS,
                JobSettings.DEFAULT_START_TIMEOUT_SECONDS),
            scale),
        (int) number(config, EnvVars.JOB_TTL_SECONDS, JobSettings.DEFAULT_TTL_SECONDS),
        null);
  }

  /**
   * Clients on any cluster: endpoints from {@code eks} (called lazily, only without the {@code
   * ORCHESTRA_K8S_ENDPOINT} override), tokens signed with {@code credentials} in {@code
   * AWS_REGION}.
   */
  public static KubernetesClients clients(
      OrchestraConfig config, Supplier<EksClient> eks, AwsCredentialsProvider credentials) {
    return new KubernetesClients(
        new ClusterEndpointResolver(config, eks),
        new EksTokenGenerator(credentials, Region.of(config.require(EnvVars.AWS_REGION))));
  }

  /** The dispatcher for runs on {@code clusterName}, with the settings from {@code config}. */
  public static KubernetesJobDispatcher dispatcher(
      OrchestraConfig config,
      KubernetesClients clients,
      String clusterName,
      RunCredentialsSource runCredentials) {
    return new KubernetesJobDispatcher(
        clients.forCluster(clusterName), jobSettings(config), runCredentials);
  }

  private static int scaled(double seconds, double scale) {
    return (int) Math.max(1, Math.round(seconds * scale));
  }

  private static double number(OrchestraConfig config, String name, double fallback) {
    String value = config.get(name).orElse(null);
    if (value == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(name + "='" + value + "' is not a number");
    }
  }
}
