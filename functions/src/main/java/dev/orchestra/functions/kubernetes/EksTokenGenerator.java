package dev.orchestra.functions.kubernetes;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;

/**
 * A bearer token for an EKS cluster's Kubernetes API, as {@code aws eks get-token} makes it: {@code
 * k8s-aws-v1.} + base64url (no padding) of a presigned STS {@code GetCallerIdentity} URL whose
 * signed headers include {@code x-k8s-aws-id: <cluster name>}. EKS calls the URL to learn who is
 * asking and checks the header, so a token is good for one cluster only.
 *
 * <p>The signature comes from the SDK's SigV4 signer ({@link AwsV4HttpSigner}) with the auth
 * location set to the query string; this class only composes the request. No network call is made.
 */
public final class EksTokenGenerator {

  public static final String PREFIX = "k8s-aws-v1.";
  public static final String CLUSTER_HEADER = "x-k8s-aws-id";

  /** What {@code aws eks get-token} uses; EKS itself accepts a token for 15 minutes. */
  public static final Duration URL_EXPIRY = Duration.ofSeconds(60);

  private final AwsCredentialsProvider credentials;
  private final Region region;
  private final Clock clock;
  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

  public EksTokenGenerator(AwsCredentialsProvider credentials, Region region, Clock clock) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.region = Objects.requireNonNull(region, "region");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public EksTokenGenerator(AwsCredentialsProvider credentials, Region region) {
    this(credentials, region, Clock.systemUTC());
  }

  /** The regional STS endpoint the token's URL points at. */
  public URI stsEndpoint() {
    return URI.create("https://sts." + region.id() + ".amazonaws.com/");
  }

  /** A fresh token for {@code clusterName}. */
  public String token(String clusterName) {
    if (clusterName == null || clusterName.isBlank()) {
      throw new IllegalArgumentException("cluster name is empty");
    }
    SdkHttpRequest request =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(stsEndpoint())
            .putRawQueryParameter("Action", "GetCallerIdentity")
            .putRawQueryParameter("Version", "2011-06-15")
            .putHeader(CLUSTER_HEADER, clusterName)
            .build();
    SignedRequest signed =
        signer.sign(
            r ->
                r.identity(credentials.resolveCredentials())
                    .request(request)
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "sts")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region.id())
                    .putProperty(
                        AwsV4FamilyHttpSigner.AUTH_LOCATION,
                        AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                    .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, URL_EXPIRY)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    String url = signed.request().getUri().toString();
    return PREFIX
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(url.getBytes(StandardCharsets.UTF_8));
  }
}
