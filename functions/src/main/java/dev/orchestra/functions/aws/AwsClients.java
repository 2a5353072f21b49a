package dev.orchestra.functions.aws;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.EnvVars;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SDK clients of one function, built lazily (a function pays only for the clients it uses) from
 * configuration: region, optional endpoint override (the local runtime's router), optional static
 * credentials. The clients share one HTTP client and one credentials provider, as the SDK's Lambda
 * advice has it (a function with four clients builds, and resolves credentials, once rather than
 * four times). Closed together.
 */
public final class AwsClients implements AutoCloseable {
  private final OrchestraConfig config;
  private final List<AutoCloseable> open = new ArrayList<>();
  private DynamoDbClient dynamo;
  private S3Client s3;
  private SfnClient sfn;
  private SqsClient sqs;
  private EksClient eks;
  private software.amazon.awssdk.services.iam.IamClient iam;
  private software.amazon.awssdk.services.ec2.Ec2Client ec2;
  private software.amazon.awssdk.services.eventbridge.EventBridgeClient events;
  private software.amazon.awssdk.http.SdkHttpClient http;
  private AwsCredentialsProvider credentials;

  public AwsClients(OrchestraConfig config) {
    this.config = config;
  }

  public OrchestraConfig config() {
    return config;
  }

  public synchronized DynamoDbClient dynamo() {
    if (dynamo == null) {
      dynamo = track(configure(DynamoDbClient.builder()).build());
    }
    return dynamo;
  }

  public synchronized S3Client s3() {
    if (s3 == null) {
      s3 = track(configure(S3Client.builder()).forcePathStyle(endpoint().isPresent()).build());
    }
    return s3;
  }

  public synchronized SfnClient sfn() {
    if (sfn == null) {
      sfn = track(configure(SfnClient.builder()).build());
    }
    return sfn;
  }

  public synchronized SqsClient sqs() {
    if (sqs == null) {
      sqs = track(configure(SqsClient.builder()).build());
    }
    return sqs;
  }

  public synchronized EksClient eks() {
    if (eks == null) {
      eks = track(configure(EksClient.builder()).build());
    }
    return eks;
  }

  /** IAM (a global service; the SDK resolves its endpoint from the region). */
  public synchronized software.amazon.awssdk.services.iam.IamClient iam() {
    if (iam == null) {
      iam = track(configure(software.amazon.awssdk.services.iam.IamClient.builder()).build());
    }
    return iam;
  }

  public synchronized software.amazon.awssdk.services.ec2.Ec2Client ec2() {
    if (ec2 == null) {
      ec2 = track(configure(software.amazon.awssdk.services.ec2.Ec2Client.builder()).build());
    }
    return ec2;
  }

  public synchronized software.amazon.awssdk.services.eventbridge.EventBridgeClient events() {
    if (events == null) {
      events =
          track(
              configure(software.amazon.awssdk.services.eventbridge.EventBridgeClient.builder())
                  .build());
    }
    return events;
  }

  /** The caller's ARN (STS GetCallerIdentity). */
  public String stsCallerArn() {
    try (var sts = configure(software.amazon.awssdk.services.sts.StsClient.builder()).build()) {
      return sts.getCallerIdentity().arn();
    }
  }

  public Region region() {
    return Region.of(config.get(EnvVars.AWS_REGION).orElse("us-east-1"));
  }

  private Optional<String> endpoint() {
    return config.get(EnvVars.AWS_ENDPOINT_URL);
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
    builder.region(Region.of(config.get(EnvVars.AWS_REGION).orElse("us-east-1")));
    builder.credentialsProvider(credentials());
    endpoint().ifPresent(e -> builder.endpointOverride(URI.create(e)));
    builder.overrideConfiguration(
        ClientOverrideConfiguration.builder()
            .apiCallTimeout(Duration.ofSeconds(30))
            .apiCallAttemptTimeout(Duration.ofSeconds(10))
            .retryStrategy(retryStrategy())
            .build());
    if (builder
        instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
      sync.httpClient(http());
    }
    return builder;
  }

  /**
   * The one HTTP client of every SDK client here. A client given an HTTP client does not close it,
   * so {@link #close()} does, after the clients.
   */
  private synchronized software.amazon.awssdk.http.SdkHttpClient http() {
    if (http == null) {
      http =
          UrlConnectionHttpClient.builder()
              .connectionTimeout(Duration.ofSeconds(5))
              .socketTimeout(Duration.ofSeconds(10))
              .build();
    }
    return http;
  }

  /**
   * Attempts per call, throttling and 5xx included. AWS's standard mode (full-jitter exponential
   * backoff, 1 s base for throttling errors, a retry-token bucket) with more attempts than its
   * default 3: a burst of throttling on EKS, IAM or DynamoDB must not fail a workflow step that a
   * few seconds of patience would finish.
   */
  public static final int MAX_ATTEMPTS = 6;

  /** The retry strategy of every client: AWS standard mode, {@link #MAX_ATTEMPTS} attempts. */
  public static software.amazon.awssdk.retries.api.RetryStrategy retryStrategy() {
    return software.amazon.awssdk.awscore.retry.AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(MAX_ATTEMPTS)
        .build();
  }

  /** The credentials every client signs with (one provider, made on first use). */
  public synchronized AwsCredentialsProvider credentials() {
    if (credentials == null) {
      credentials = newCredentials();
    }
    return credentials;
  }

  private AwsCredentialsProvider newCredentials() {
    Optional<String> key = config.get(EnvVars.AWS_ACCESS_KEY_ID);
    Optional<String> secret = config.get(EnvVars.AWS_SECRET_ACCESS_KEY);
    if (key.isPresent() && secret.isPresent()) {
      // In Lambda the three variables hold the role's temporary credentials: the token is part of
      // them (the local runtime's dummy keys have none).
      Optional<String> token = config.get(EnvVars.AWS_SESSION_TOKEN);
      return StaticCredentialsProvider.create(
          token.isPresent()
              ? software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create(
                  key.get(), secret.get(), token.get())
              : AwsBasicCredentials.create(key.get(), secret.get()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private <T extends AutoCloseable> T track(T client) {
    open.add(client);
    return client;
  }

  /** Builds once and caches; for collaborators made from the clients. */
  public static <T> Supplier<T> memoize(Supplier<T> s) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = s.get();
        }
        return value;
      }
    };
  }

  @Override
  public synchronized void close() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing is best effort
      }
    }
    open.clear();
    if (http != null) {
      http.close();
      http = null;
    }
  }
}
