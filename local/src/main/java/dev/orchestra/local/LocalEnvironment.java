package dev.orchestra.local;

import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a started local runtime knows about itself: where AWS (the router) and Kubernetes (the mock)
 * answer, the region and account, and the time scale; plus the names moto gives resources, for
 * resource plans and substitutions.
 */
public record LocalEnvironment(
    String region,
    String accountId,
    String awsEndpoint,
    String kubernetesEndpoint,
    TimeScale timeScale) {

  /** moto's default account. */
  public static final String ACCOUNT_ID = "123456789012";

  public static final String DEFAULT_REGION = "us-east-1";

  /** The built-in cluster whose Kubernetes API is the mock and whose node is the process node. */
  public static final String LOCAL_CLUSTER = "local";

  /** The role state machines are created with (moto does not enforce IAM). */
  public String stateMachineRoleArn() {
    return "arn:aws:iam::" + accountId + ":role/orchestra-local-states";
  }

  public String queueUrl(String queueName) {
    return awsEndpoint + "/" + accountId + "/" + queueName;
  }

  public String queueArn(String queueName) {
    return "arn:aws:sqs:" + region + ":" + accountId + ":" + queueName;
  }

  public String lambdaArn(String functionName) {
    return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + functionName;
  }

  public String stateMachineArn(String name) {
    return "arn:aws:states:" + region + ":" + accountId + ":stateMachine:" + name;
  }

  public String tableArn(String tableName) {
    return "arn:aws:dynamodb:" + region + ":" + accountId + ":table/" + tableName;
  }

  public String bucketArn(String bucket) {
    return "arn:aws:s3:::" + bucket;
  }

  /**
   * The configuration every in-process handler gets before the plan adds its own: the AWS endpoint
   * and region, dummy credentials, the Kubernetes override (the mock, plain HTTP on loopback), the
   * time scale and the default cluster.
   */
  public Map<String, String> baseConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put(EnvVars.AWS_ENDPOINT_URL, awsEndpoint);
    config.put(EnvVars.AWS_REGION, region);
    config.put("AWS_ACCESS_KEY_ID", "test");
    config.put("AWS_SECRET_ACCESS_KEY", "test");
    config.put(EnvVars.K8S_ENDPOINT, kubernetesEndpoint);
    config.put(EnvVars.K8S_INSECURE, "true");
    config.put(EnvVars.TIME_SCALE, timeScale.toString());
    config.put(EnvVars.DEFAULT_CLUSTER, LOCAL_CLUSTER);
    return config;
  }
}
