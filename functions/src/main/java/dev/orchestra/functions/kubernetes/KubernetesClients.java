package dev.orchestra.functions.kubernetes;

import dev.orchestra.shared.run.RunContract;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Opens a fabric8 client (JDK HTTP client) on one cluster's Kubernetes API, authenticated with an
 * EKS token. Open one per unit of work, in try-with-resources; the client never reads a kubeconfig
 * or the environment.
 */
public final class KubernetesClients {

  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** EKS accepts a token for 15 minutes; a long-lived client gets a fresh one well before. */
  static final Duration TOKEN_REUSE = Duration.ofMinutes(10);

  private static final int RETRIES = 3;

  private final ClusterEndpointResolver endpoints;
  private final EksTokenGenerator tokens;
  private final Clock clock;

  public KubernetesClients(
      ClusterEndpointResolver endpoints, EksTokenGenerator tokens, Clock clock) {
    this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public KubernetesClients(ClusterEndpointResolver endpoints, EksTokenGenerator tokens) {
    this(endpoints, tokens, Clock.systemUTC());
  }

  /** A new client on {@code clusterName}'s API; the caller closes it. */
  public KubernetesClient open(String clusterName) {
    ClusterEndpoint endpoint = endpoints.resolve(clusterName);
    return build(endpoint, new RefreshingToken(() -> tokens.token(clusterName), clock));
  }

  /** A supplier of fresh clients on one cluster, for {@link KubernetesJobDispatcher}. */
  public Supplier<KubernetesClient> forCluster(String clusterName) {
    return () -> open(clusterName);
  }

  /** A client on {@code endpoint}, sending {@code token} as the bearer token. */
  public static KubernetesClient build(ClusterEndpoint endpoint, OAuthTokenProvider token) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(endpoint.url())
            .withCaCertData(endpoint.caCertData())
            .withTrustCerts(endpoint.insecure())
            .withDisableHostnameVerification(endpoint.insecure())
            .withOauthTokenProvider(token)
            .withNamespace(RunContract.NAMESPACE)
            .withConnectionTimeout((int) CONNECT_TIMEOUT.toMillis())
            .withRequestTimeout((int) REQUEST_TIMEOUT.toMillis())
            .withRequestRetryBackoffLimit(RETRIES)
            .build();
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new JdkHttpClientFactory())
        .build();
  }

  /** Reuses a token for {@link #TOKEN_REUSE}, then makes a new one. */
  static final class RefreshingToken implements OAuthTokenProvider {
    private final Supplier<String> mint;
    private final Clock clock;
    private String token;
    private Instant mintedAt;

    RefreshingToken(Supplier<String> mint, Clock clock) {
      this.mint = mint;
      this.clock = clock;
    }

    @Override
    public synchronized String getToken() {
      Instant now = clock.instant();
      if (token == null || now.isAfter(mintedAt.plus(TOKEN_REUSE))) {
        token = mint.get();
        mintedAt = now;
      }
      return token;
    }
  }
}
