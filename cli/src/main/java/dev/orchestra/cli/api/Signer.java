package dev.orchestra.cli.api;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * SigV4 for API Gateway ({@code execute-api}) with the SDK's {@link AwsV4HttpSigner}: the headers
 * to add to a request (Authorization, X-Amz-Date, X-Amz-Security-Token, ...).
 */
public final class Signer {
  public static final String SERVICE = "execute-api";

  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
  private final String service;
  private final String region;
  private final Clock clock;

  public Signer(String service, String region, Clock clock) {
    this.service = service;
    this.region = region;
    this.clock = clock;
  }

  /**
   * Signs the request and returns every header of the signed request (including those given).
   *
   * @param headers the headers to sign besides host (e.g. content-type)
   */
  public Map<String, List<String>> sign(
      AwsCredentialsIdentity credentials,
      String method,
      URI uri,
      Map<String, String> headers,
      byte[] body) {
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
    headers.forEach(b::putHeader);
    SignedRequest signed =
        signer.sign(
            r ->
                r.identity(credentials)
                    .request(b.build())
                    .payload(() -> new ByteArrayInputStream(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    return signed.request().headers();
  }
}
