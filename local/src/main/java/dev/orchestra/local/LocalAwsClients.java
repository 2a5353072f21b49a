package dev.orchestra.local;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.client.config.SdkAdvancedClientOption;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients for the local runtime's own use (creating resources, polling, carrying results) and
 * for tests: pointed at the router, dummy credentials, path-style S3. Close it to close them all.
 */
public final class LocalAwsClients implements AutoCloseable {
  private final SdkHttpClient http;
  private final StaticCredentialsProvider credentials =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
  private final URI endpoint;
  private final Region region;
  private final ClientOverrideConfiguration overrides;
  private final DynamoDbClient dynamo;
  private final SqsClient sqs;
  private final S3Client s3;
  private final SfnClient sfn;
  private final software.amazon.awssdk.services.eventbridge.EventBridgeClient events;
  private final software.amazon.awssdk.services.iam.IamClient iam;
  private final software.amazon.awssdk.services.ec2.Ec2Client ec2;

  public LocalAwsClients(String endpoint, String region) {
    this(endpoint, region, "runtime");
  }

  /**
   * @param caller how the router's call statistics name these clients' calls ({@code orchestra/
   *     <caller>} in the User-Agent): the runtime's own are {@code runtime}
   */
  public LocalAwsClients(String endpoint, String region, String caller) {
    this.endpoint = URI.create(endpoint);
    this.region = Region.of(region);
    this.http =
        UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(5))
            .socketTimeout(Duration.ofSeconds(60))
            .build();
    this.overrides =
        ClientOverrideConfiguration.builder()
            .apiCallTimeout(Duration.ofSeconds(90))
            .retryStrategy(dev.orchestra.functions.aws.AwsClients.retryStrategy())
            .putAdvancedOption(SdkAdvancedClientOption.USER_AGENT_SUFFIX, "orchestra/" + caller)
            .build();
    this.dynamo = configure(DynamoDbClient.builder()).build();
    this.sqs = configure(SqsClient.builder()).build();
    this.s3 = configure(S3Client.builder()).forcePathStyle(true).build();
    this.sfn = configure(SfnClient.builder()).build();
    this.iam = configure(software.amazon.awssdk.services.iam.IamClient.builder()).build();
    this.ec2 = configure(software.amazon.awssdk.services.ec2.Ec2Client.builder()).build();
    this.events =
        configure(software.amazon.awssdk.services.eventbridge.EventBridgeClient.builder()).build();
  }

  /** Every client: the shared HTTP client, the router as endpoint, the region, dummy keys. */
  private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
    return builder
        .httpClient(http)
        .endpointOverride(endpoint)
        .region(region)
        .credentialsProvider(credentials)
        .overrideConfiguration(overrides);
  }

  public DynamoDbClient dynamo() {
    return dynamo;
  }

  public SqsClient sqs() {
    return sqs;
  }

  public S3Client s3() {
    return s3;
  }

  public software.amazon.awssdk.services.eventbridge.EventBridgeClient events() {
    return events;
  }

  public software.amazon.awssdk.services.iam.IamClient iam() {
    return iam;
  }

  public SfnClient sfn() {
    return sfn;
  }

  /** EC2 (moto's instances: the local pools' machines). */
  public software.amazon.awssdk.services.ec2.Ec2Client ec2() {
    return ec2;
  }

  @Override
  public void close() {
    dynamo.close();
    sqs.close();
    s3.close();
    sfn.close();
    events.close();
    iam.close();
    ec2.close();
    http.close();
  }
}
