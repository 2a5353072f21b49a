package dev.orchestra.functions.cluster;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.kubernetes.ClusterEndpointResolver;
import dev.orchestra.functions.kubernetes.EksTokenGenerator;
import dev.orchestra.functions.kubernetes.KubernetesClients;
import dev.orchestra.shared.EnvVars;

/** The cluster functions' object graph, built from configuration, clients built on first use. */
public final class ClusterContext implements AutoCloseable {
  private final OrchestraConfig config;
  private final AwsClients aws;
  private ClusterService service;

  public ClusterContext(OrchestraConfig config) {
    this(config, new AwsClients(config));
  }

  /** With these clients (a Lambda's init may already be building some of them). */
  public ClusterContext(OrchestraConfig config, AwsClients aws) {
    this.config = config;
    this.aws = aws;
  }

  /** The configured subnets of new clusters ({@code ORCHESTRA_SUBNET_IDS}); empty: the default. */
  public static java.util.List<String> subnetIds(OrchestraConfig config) {
    return config.get(EnvVars.SUBNET_IDS).stream()
        .flatMap(v -> java.util.Arrays.stream(v.split(",")))
        .map(String::trim)
        .filter(v -> !v.isEmpty())
        .toList();
  }

  public synchronized ClusterService service() {
    if (service == null) {
      KubernetesClients kube =
          new KubernetesClients(
              new ClusterEndpointResolver(config, aws::eks),
              new EksTokenGenerator(aws.credentials(), aws.region()));
      String boundary = config.get(EnvVars.PERMISSIONS_BOUNDARY_ARN).orElse(null);
      service =
          new ClusterService(
              new ClusterStore(aws::dynamo, config.require(EnvVars.CLUSTER_TABLE)),
              aws::eks,
              new ClusterIam(aws::iam, boundary),
              aws::ec2,
              kube::open,
              new ClusterService.Settings(
                  boundary,
                  config.get(EnvVars.CLUSTER_OPS_ROLE_ARN).orElse(null),
                  config.get(EnvVars.DISPATCHER_ROLE_ARN).orElse(null),
                  config.get(EnvVars.RESULTS_QUEUE_URL).map(ClusterContext::queueArn).orElse(null),
                  config.get(EnvVars.BUCKET).orElse(null),
                  subnetIds(config)));
      ClusterStore store = service.store();
      service.withIdle(
          new ClusterIdle(
              store,
              aws::events,
              aws::eks,
              aws::sfn,
              kube::open,
              config.get(EnvVars.IDLE_CHECK_FUNCTION_ARN).orElse("orchestra-cluster-idle-check"),
              config.get(EnvVars.CLUSTER_DESTROY_STATE_MACHINE_ARN).orElse(null),
              config.get(EnvVars.TIME_SCALE).map(Double::parseDouble).orElse(1.0)));
    }
    return service;
  }

  /** The idle check (the service's, built with it). */
  public ClusterIdle idle() {
    return service().idle();
  }

  /** Seconds between polls of EKS: 30 in AWS, scaled by the time scale (at least 1). */
  public int pollSeconds() {
    double scale = config.get(EnvVars.TIME_SCALE).map(Double::parseDouble).orElse(1.0);
    return Math.max(1, (int) Math.round(30 * scale));
  }

  /** https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (or a local endpoint's /ACCOUNT/NAME). */
  static String queueArn(String url) {
    String[] parts = url.split("/");
    String name = parts[parts.length - 1];
    String account = parts[parts.length - 2];
    String host = parts.length > 2 ? parts[2] : "";
    String region = host.startsWith("sqs.") ? host.split("\\.")[1] : "us-east-1";
    return "arn:aws:sqs:" + region + ":" + account + ":" + name;
  }

  @Override
  public void close() {
    aws.close();
  }
}
