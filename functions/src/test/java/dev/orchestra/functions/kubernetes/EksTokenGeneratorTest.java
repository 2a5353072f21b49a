package dev.orchestra.functions.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4PresignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

class EksTokenGeneratorTest {

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final AwsBasicCredentials KEYS =
      AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

  final EksTokenGenerator generator =
      new EksTokenGenerator(StaticCredentialsProvider.create(KEYS), Region.EU_WEST_1, CLOCK);

  static URI decode(String token) {
    assertThat(token).startsWith("k8s-aws-v1.");
    String payload = token.substring("k8s-aws-v1.".length());
    assertThat(payload).doesNotContain("=").matches("[A-Za-z0-9_-]+");
    return URI.create(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
  }

  static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void token_isAPresignedGetCallerIdentityUrl_onTheRegionalStsHost() {
    URI url = decode(generator.token("training-1"));

    assertThat(url.getScheme()).isEqualTo("https");
    assertThat(url.getHost()).isEqualTo("sts.eu-west-1.amazonaws.com");
    assertThat(url.getPath()).isEqualTo("/");
    Map<String, String> q = query(url);
    assertThat(q)
        .containsEntry("Action", "GetCallerIdentity")
        .containsEntry("Version", "2011-06-15")
        .containsEntry("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
        .containsEntry("X-Amz-Credential", "AKIDEXAMPLE/20260301/eu-west-1/sts/aws4_request")
        .containsEntry("X-Amz-Date", "20260301T120000Z")
        .containsEntry("X-Amz-Expires", "60")
        .containsEntry("X-Amz-SignedHeaders", "host;x-k8s-aws-id");
    assertThat(q.get("X-Amz-Signature")).matches("[0-9a-f]{64}");
    assertThat(q).doesNotContainKey("X-Amz-Security-Token");
  }

  @Test
  void token_isDeterministic_forAFixedClockAndCredentials_andBoundToTheCluster() {
    assertThat(generator.token("training-1")).isEqualTo(generator.token("training-1"));
    assertThat(query(decode(generator.token("training-1"))).get("X-Amz-Signature"))
        .isNotEqualTo(query(decode(generator.token("training-2"))).get("X-Amz-Signature"));
  }

  @Test
  void signature_agreesWithTheSdksIndependentLegacyPresigner() {
    // The SDK's older Aws4Signer is a separate implementation of the same algorithm.
    SdkHttpFullRequest request =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(URI.create("https://sts.eu-west-1.amazonaws.com/"))
            .putRawQueryParameter("Action", "GetCallerIdentity")
            .putRawQueryParameter("Version", "2011-06-15")
            .putHeader("x-k8s-aws-id", "training-1")
            .build();
    @SuppressWarnings("deprecation")
    SdkHttpFullRequest presigned =
        Aws4Signer.create()
            .presign(
                request,
                Aws4PresignerParams.builder()
                    .awsCredentials(KEYS)
                    .signingName("sts")
                    .signingRegion(Region.EU_WEST_1)
                    .expirationTime(NOW.plusSeconds(60))
                    .signingClockOverride(CLOCK)
                    .build());

    assertThat(query(decode(generator.token("training-1"))).get("X-Amz-Signature"))
        .isEqualTo(presigned.rawQueryParameters().get("X-Amz-Signature").get(0));
  }

  @Test
  void sessionCredentials_addTheSecurityToken() {
    EksTokenGenerator withSession =
        new EksTokenGenerator(
            StaticCredentialsProvider.create(
                AwsSessionCredentials.create("ASIAEXAMPLE", "secret", "the-session-token")),
            Region.US_EAST_1,
            CLOCK);

    Map<String, String> q = query(decode(withSession.token("c")));
    assertThat(q).containsEntry("X-Amz-Security-Token", "the-session-token");
    assertThat(q.get("X-Amz-Credential"))
        .isEqualTo("ASIAEXAMPLE/20260301/us-east-1/sts/aws4_request");
  }
}
