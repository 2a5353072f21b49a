package dev.orchestra.functions.aws;

import dev.orchestra.functions.Concurrently;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.EnvVars;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SDK clients of one function, built lazily (a function pays only for the clients it uses) from
 * configuration: region, optional endpoint override (the local runtime's router), optional static
 * credentials. The clients share one HTTP client and one credentials provider, as the SDK's Lambda
 * advice has it (a function with four clients builds, and resolves credentials, once rather than
 * four times). Each client has its own lock, so {@link #prebuild} can build several at once. Closed
 * together.
 */
public final class AwsClients implements AutoCloseable {
  /** The SDK clients a function can have, one per service. */
  public enum Client {
    DYNAMODB,
    S3,
    SFN,
    SQS,
    EKS,
    IAM,
    EC2,
    EVENTBRIDGE
  }

  private final OrchestraConfig config;
  private final Map<Client, Slot> slots = new EnumMap<>(Client.class);
  private software.amazon.awssdk.http.SdkHttpClient http;
  private AwsCredentialsProvider credentials;

  public AwsClients(OrchestraConfig config) {
    this.config = config;
    for (Client c : Client.values()) {
      slots.put(c, new Slot(c));
    }
  }

  public OrchestraConfig config() {
    return config;
  }

  public DynamoDbClient dynamo() {
    return (DynamoDbClient) slots.get(Client.DYNAMODB).get();
  }

  public S3Client s3() {
    return (S3Client) slots.get(Client.S3).get();
  }

  public SfnClient sfn() {
    return (SfnClient) slots.get(Client.SFN).get();
  }

  public SqsClient sqs() {
    return (SqsClient) slots.get(Client.SQS).get();
  }

  public EksClient eks() {
    return (EksClient) slots.get(Client.EKS).get();
  }

  /** IAM (a global service; the SDK resolves its endpoint from the region). */
  public IamClient iam() {
    return (IamClient) slots.get(Client.IAM).get();
  }

  public Ec2Client ec2() {
    return (Ec2Client) slots.get(Client.EC2).get();
  }

  public EventBridgeClient events() {
    return (EventBridgeClient) slots.get(Client.EVENTBRIDGE).get();
  }

  /** Whether this client has been built (by use or by {@link #prebuild}). */
  public boolean built(Client client) {
    return slots.get(client).value != null;
  }

  /**
   * Starts building these clients, each on a thread of its own, and returns at once: a function's
   * init builds the clients its every invocation uses while its own thread builds the handler
   * (Lambda's init phase runs with the burst CPU the invocations do not get). {@link
   * Prebuild#await()} waits for them. A build that fails here is left to the first use, which
   * builds again and reports the error where the function can handle it.
   */
  public Prebuild prebuild(Set<Client> clients) {
    List<CompletableFuture<?>> builds = new ArrayList<>();
    if (!clients.isEmpty()) {
      // What every client's build waits for, each on a thread of its own: the shared HTTP client
      // (its TLS context) and the SDK's table of every service's endpoints (each build looks its
      // signing region up there).
      builds.add(Concurrently.start("prebuild-http", this::http));
      builds.add(
          Concurrently.start(
              "prebuild-service-metadata",
              () -> software.amazon.awssdk.regions.ServiceMetadata.of("sts")));
    }
    for (Client c : clients) {
      builds.add(
          Concurrently.start(
              "prebuild-" + c.name().toLowerCase(java.util.Locale.ROOT), () -> slots.get(c).get()));
    }
    return () -> {
      for (CompletableFuture<?> b : builds) {
        try {
          b.get();
        } catch (java.util.concurrent.ExecutionException e) {
          // built again, and reported, on first use
        }
      }
    };
  }

  /** The clients {@link #prebuild} is building. */
  @FunctionalInterface
  public interface Prebuild {
    /** Waits until every client has been built or has failed to build. */
    void await() throws InterruptedException;
  }

  /**
   * A new client of this service. Each class is named only in its own branch, so a function's jar
   * needs only the SDKs of the clients it builds.
   */
  private AutoCloseable newClient(Client client) {
    return switch (client) {
      case DYNAMODB -> configure(DynamoDbClient.builder()).build();
      case S3 -> configure(S3Client.builder()).forcePathStyle(endpoint().isPresent()).build();
      case SFN -> configure(SfnClient.builder()).build();
      case SQS -> configure(SqsClient.builder()).build();
      case EKS -> configure(EksClient.builder()).build();
      case IAM -> configure(IamClient.builder()).build();
      case EC2 -> configure(Ec2Client.builder()).build();
      case EVENTBRIDGE -> configure(EventBridgeClient.builder()).build();
    };
  }

  /** One client, built once on first use under its own lock. */
  private final class Slot {
    private final Client client;
    private volatile AutoCloseable value;

    Slot(Client client) {
      this.client = client;
    }

    AutoCloseable get() {
      AutoCloseable v = value;
      if (v == null) {
        synchronized (this) {
          v = value;
          if (v == null) {
            v = newClient(client);
            value = v;
          }
        }
      }
      return v;
    }

    /** Closes the client if it was built (best effort). */
    synchronized void close() {
      if (value != null) {
        try {
          value.close();
        } catch (Exception ignored) {
          // closing is best effort
        }
      }
    }
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
    builder.region(region());
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

  @Override
  public synchronized void close() {
    for (Slot slot : slots.values()) {
      slot.close();
    }
    if (http != null) {
      http.close();
      http = null;
    }
  }
}
