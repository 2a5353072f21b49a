package dev.orchestra.cli.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.orchestra.cli.UserError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** The client's real requests to a loopback HTTP server: signing, errors, pagination. */
class ApiClientTest {
  static final AwsSessionCredentials CREDS =
      AwsSessionCredentials.create("AKIDEXAMPLE", "secret/key+example", "session-token-example");

  record Received(
      String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body) {}

  HttpServer server;
  final List<Received> received = new CopyOnWriteArrayList<>();
  volatile Function<Received, Object[]> answer =
      r -> new Object[] {200, "{\"items\": [], \"next\": null}"};

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    Map<String, String> headers = new TreeMap<>();
    ex.getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    Received r =
        new Received(
            ex.getRequestMethod(),
            ex.getRequestURI().getRawPath(),
            ex.getRequestURI().getRawQuery(),
            headers,
            ex.getRequestBody().readAllBytes());
    received.add(r);
    Object[] a = answer.apply(r);
    byte[] body = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders((Integer) a[0], body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/prod/");
  }

  ApiClient signedClient() {
    return new ApiClient(
        new Endpoint(base(), true, "eu-west-1", null, "test"), () -> CREDS, Clock.systemUTC());
  }

  @Test
  void deployedEndpoint_getCarriesAValidSignature() {
    signedClient().get("experiments?limit=5&next=abc");

    Received r = received.get(0);
    assertThat(r.rawPath()).isEqualTo("/prod/experiments");
    assertValidSignature(r);
    assertThat(r.headers().get("x-amz-security-token")).isEqualTo("session-token-example");
  }

  @Test
  void deployedEndpoint_postWithBodyAndIdempotencyKey_signsBodyAndKey() {
    signedClient()
        .post(
            "experiments",
            "application/yaml",
            "name: x\nbudget: 3\n",
            Map.of("Idempotency-Key", "key-1"));

    Received r = received.get(0);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("name: x\nbudget: 3\n");
    SigV4Check.Auth auth = assertValidSignature(r);
    assertThat(auth.signedHeaders()).contains("idempotency-key", "content-type", "host");
    assertThat(auth.region()).isEqualTo("eu-west-1");
    assertThat(auth.service()).isEqualTo("execute-api");
  }

  @Test
  void tamperedRequest_failsTheVerifier() {
    signedClient().get("experiments/a");
    Received r = received.get(0);
    SigV4Check.Auth auth = SigV4Check.parse(r.headers().get("authorization"));

    String forOtherPath =
        SigV4Check.signature(
            CREDS.secretAccessKey(), auth, "GET", "/prod/experiments/b", "", r.headers(), r.body());

    assertThat(forOtherPath).isNotEqualTo(auth.signature());
  }

  @Test
  void localEndpoint_isNotSigned() {
    new ApiClient(
            Endpoint.local(base()),
            () -> {
              throw new AssertionError("no credentials are needed locally");
            },
            Clock.systemUTC())
        .get("experiments");

    Received r = received.get(0);
    assertThat(r.headers()).doesNotContainKeys("authorization", "x-amz-date");
  }

  @Test
  void apiError_becomesMessageAndFindings_exit2() {
    answer =
        r ->
            new Object[] {
              400,
              "{\"code\":\"invalid_config\",\"message\":\"experiment.yml is invalid\","
                  + "\"findings\":[{\"file\":\"experiment.yml\",\"path\":\"budget\","
                  + "\"problem\":\"budget must be positive\",\"fix\":\"write budget: 10\"}]}"
            };

    assertThatThrownBy(() -> signedClient().postJson("experiments", null))
        .isInstanceOfSatisfying(
            ApiClient.ApiError.class,
            e -> {
              assertThat(e.getMessage()).isEqualTo("experiment.yml is invalid");
              assertThat(e.exitCode()).isEqualTo(2);
              assertThat(e.code()).isEqualTo("invalid_config");
              assertThat(e.details())
                  .containsExactly(
                      "experiment.yml budget: budget must be positive\n  fix: write budget: 10");
            });
  }

  @Test
  void gatewayForbidden_isAnEnvironmentProblemNamingCredentials() {
    answer = r -> new Object[] {403, "{\"message\":\"Missing Authentication Token\"}"};

    assertThatThrownBy(() -> signedClient().get("experiments"))
        .isInstanceOfSatisfying(
            UserError.class,
            e -> {
              assertThat(e.exitCode()).isEqualTo(3);
              assertThat(e.getMessage()).contains("Missing Authentication Token");
              assertThat(String.join("\n", e.details())).contains("credentials");
            });
  }

  @Test
  void deadEndpoint_saysWhichAndHowToFix_exit3() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ApiClient c =
        new ApiClient(
            Endpoint.local(URI.create("http://127.0.0.1:" + port + "/")),
            () -> CREDS,
            Clock.systemUTC());

    assertThatThrownBy(() -> c.get("experiments"))
        .isInstanceOfSatisfying(
            UserError.class,
            e -> {
              assertThat(e.exitCode()).isEqualTo(3);
              assertThat(e.getMessage())
                  .contains("127.0.0.1:" + port)
                  .endsWith("connection refused")
                  .doesNotContain("Exception");
              assertThat(String.join("\n", e.details())).contains("orchestra local up");
            });
  }

  @Test
  void unknownHost_saysItDoesNotResolve() {
    ApiClient c =
        new ApiClient(
            new Endpoint(
                URI.create("https://no-such-host.invalid/prod/"), true, "us-east-1", null, "t"),
            () -> CREDS,
            Clock.systemUTC());

    assertThatThrownBy(() -> c.get("experiments"))
        .isInstanceOfSatisfying(
            UserError.class,
            e -> {
              assertThat(e.exitCode()).isEqualTo(3);
              assertThat(e.getMessage()).endsWith("the host name does not resolve");
              assertThat(String.join("\n", e.details())).contains("orchestra configure");
            });
  }

  @Test
  void list_followsNextUntilTheLimit() {
    answer =
        r -> {
          boolean first = r.rawQuery() == null || !r.rawQuery().contains("next=");
          return new Object[] {
            200,
            first
                ? "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"next\":\"t/2\"}"
                : "{\"items\":[{\"id\":\"c\"}],\"next\":null}"
          };
        };

    List<JsonNode> all = Endpointless.client(base()).list("experiments", 0);

    assertThat(all).extracting(n -> n.get("id").asText()).containsExactly("a", "b", "c");
    assertThat(received.get(1).rawQuery()).contains("next=t%2F2");
  }

  /** An unsigned client for tests that are not about signing. */
  static final class Endpointless {
    static ApiClient client(URI base) {
      return new ApiClient(Endpoint.local(base), () -> CREDS, Clock.systemUTC());
    }
  }

  /** Recomputes the signature from the request as the server received it. */
  static SigV4Check.Auth assertValidSignature(Received r) {
    String authorization = r.headers().get("authorization");
    assertThat(authorization).as("Authorization header").isNotNull();
    SigV4Check.Auth auth = SigV4Check.parse(authorization);
    assertThat(auth.accessKey()).isEqualTo("AKIDEXAMPLE");
    String query = r.rawQuery() == null ? "" : SigV4SignerTest.sortedQuery(r.rawQuery());
    String expected =
        SigV4Check.signature(
            CREDS.secretAccessKey(),
            auth,
            r.method(),
            SigV4SignerTest.doubleEncoded(r.rawPath()),
            query,
            r.headers(),
            r.body());
    assertThat(auth.signature())
        .as("signature recomputed from the received request")
        .isEqualTo(expected);
    return auth;
  }
}
