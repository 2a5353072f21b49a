package dev.orchestra.functions.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.OrchestraConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** A client built the production way reaches an https API with a self-signed certificate. */
@EnableKubernetesMockClient(crud = true, https = true)
class KubernetesClientsTest {

  static KubernetesMockServer server;

  @Test
  void open_throughTheInsecureLoopbackOverride_sendsTheEksTokenAndWorks() throws Exception {
    OrchestraConfig config =
        new OrchestraConfig(
            Map.of("ORCHESTRA_K8S_ENDPOINT", server.url("/"), "ORCHESTRA_K8S_INSECURE", "true"));
    Clock clock = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
    EksTokenGenerator tokens =
        new EksTokenGenerator(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")),
            Region.US_EAST_1,
            clock);
    KubernetesClients clients =
        new KubernetesClients(
            new ClusterEndpointResolver(
                config,
                () -> {
                  throw new AssertionError("no EKS with an override");
                }),
            tokens,
            clock);

    try (KubernetesClient client = clients.open("local")) {
      RunNamespace.ensure(client);
      assertThat(client.namespaces().withName("orchestra-runs").get()).isNotNull();
      assertThat(client.getConfiguration().getRequestConfig().getRequestTimeout())
          .isEqualTo(30_000);
    }
    String authorization = server.getLastRequest().getHeader("Authorization");
    assertThat(authorization).isEqualTo("Bearer " + tokens.token("local"));
  }

  @Test
  void refreshingToken_reusesATokenForTenMinutes_thenMintsAnother() {
    int[] minted = {0};
    Instant[] now = {Instant.parse("2026-03-01T12:00:00Z")};
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    KubernetesClients.RefreshingToken token =
        new KubernetesClients.RefreshingToken(() -> "t" + ++minted[0], clock);

    assertThat(token.getToken()).isEqualTo("t1");
    now[0] = now[0].plusSeconds(599);
    assertThat(token.getToken()).isEqualTo("t1");
    now[0] = now[0].plusSeconds(2);
    assertThat(token.getToken()).isEqualTo("t2");
  }
}
