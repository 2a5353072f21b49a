package dev.orchestra.functions.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.OrchestraConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;

class ClusterEndpointResolverTest {

  static final String PEM =
      "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUYQ==\n-----END CERTIFICATE-----";
  static final Supplier<EksClient> NO_EKS =
      () -> {
        throw new AssertionError("EKS must not be called");
      };

  @TempDir static Path tmp;
  static MotoServer moto;
  static EksClient eks;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start(tmp.resolve("moto.log"));
    eks =
        EksClient.builder()
            .endpointOverride(moto.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  static void stopMoto() {
    eks.close();
    moto.close();
  }

  static ClusterEndpointResolver resolver(Map<String, String> config, Supplier<EksClient> eks) {
    return new ClusterEndpointResolver(new OrchestraConfig(config), eks);
  }

  @Test
  void withoutOverride_endpointAndCaComeFromDescribeCluster() {
    eks.createCluster(
        r ->
            r.name("training-1")
                .roleArn("arn:aws:iam::123456789012:role/orchestra/training-1-cluster-role")
                .resourcesVpcConfig(v -> v.subnetIds("subnet-1", "subnet-2")));
    var described = eks.describeCluster(r -> r.name("training-1")).cluster();

    ClusterEndpoint endpoint = resolver(Map.of(), () -> eks).resolve("training-1");

    assertThat(endpoint.clusterName()).isEqualTo("training-1");
    assertThat(endpoint.url()).isEqualTo(described.endpoint()).startsWith("https://");
    assertThat(endpoint.caCertData()).isEqualTo(described.certificateAuthority().data());
    assertThat(endpoint.insecure()).isFalse();
  }

  @Test
  void unknownCluster_isClusterNotFound() {
    assertThatThrownBy(() -> resolver(Map.of(), () -> eks).resolve("nope"))
        .isInstanceOf(ClusterNotFoundException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void override_withPemCa_isUsedForEveryCluster_withoutCallingEks() {
    ClusterEndpoint endpoint =
        resolver(
                Map.of(
                    "ORCHESTRA_K8S_ENDPOINT", "https://k8s.example:6443", "ORCHESTRA_K8S_CA", PEM),
                NO_EKS)
            .resolve("any");

    assertThat(endpoint.url()).isEqualTo("https://k8s.example:6443");
    assertThat(
            new String(
                Base64.getDecoder().decode(endpoint.caCertData()), StandardCharsets.US_ASCII))
        .isEqualTo(PEM);
    assertThat(endpoint.insecure()).isFalse();
  }

  @Test
  void override_caMayBeBase64OfThePem() {
    String b64 = Base64.getEncoder().encodeToString(PEM.getBytes(StandardCharsets.US_ASCII));
    ClusterEndpoint endpoint =
        resolver(
                Map.of("ORCHESTRA_K8S_ENDPOINT", "https://k8s.example", "ORCHESTRA_K8S_CA", b64),
                NO_EKS)
            .resolve("any");

    assertThat(endpoint.caCertData()).isEqualTo(b64);
  }

  @Test
  void override_badCa_namesTheVariable() {
    assertThatThrownBy(
            () ->
                resolver(
                        Map.of(
                            "ORCHESTRA_K8S_ENDPOINT", "https://k8s.example",
                            "ORCHESTRA_K8S_CA", "not a certificate"),
                        NO_EKS)
                    .resolve("any"))
        .isInstanceOf(KubernetesEndpointConfigException.class)
        .hasMessageContaining("ORCHESTRA_K8S_CA");
  }

  @Test
  void insecure_isAllowedForLoopbackOnly() {
    for (String url :
        new String[] {"https://127.0.0.1:6443", "https://localhost:1234/", "https://[::1]:6443"}) {
      assertThat(
              resolver(
                      Map.of("ORCHESTRA_K8S_ENDPOINT", url, "ORCHESTRA_K8S_INSECURE", "true"),
                      NO_EKS)
                  .resolve("local")
                  .insecure())
          .as(url)
          .isTrue();
    }
    for (String url :
        new String[] {"https://10.0.0.5:6443", "https://k8s.example", "https://127.0.0.1.nip.io"}) {
      assertThatThrownBy(
              () ->
                  resolver(
                          Map.of("ORCHESTRA_K8S_ENDPOINT", url, "ORCHESTRA_K8S_INSECURE", "true"),
                          NO_EKS)
                      .resolve("local"))
          .as(url)
          .isInstanceOf(KubernetesEndpointConfigException.class)
          .hasMessageContaining("ORCHESTRA_K8S_INSECURE=true is refused")
          .hasMessageContaining("ORCHESTRA_K8S_CA");
    }
  }

  @Test
  void plainHttp_isRefusedOffLoopback() {
    assertThatThrownBy(
            () ->
                resolver(Map.of("ORCHESTRA_K8S_ENDPOINT", "http://k8s.example"), NO_EKS)
                    .resolve("c"))
        .isInstanceOf(KubernetesEndpointConfigException.class)
        .hasMessageContaining("plain http");
    assertThat(
            resolver(Map.of("ORCHESTRA_K8S_ENDPOINT", "http://127.0.0.1:8080"), NO_EKS)
                .resolve("c")
                .url())
        .isEqualTo("http://127.0.0.1:8080");
  }
}
