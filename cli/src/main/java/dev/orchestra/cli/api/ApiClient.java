package dev.orchestra.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.orchestra.cli.UserError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The Orchestra REST API over the JDK's HttpClient. Requests to a deployed stack are SigV4-signed
 * with credentials from the SDK's default chain (honouring {@code --profile} / AWS_PROFILE);
 * requests to the local runtime are not. API errors become {@link UserError}s carrying the API's
 * message and findings.
 */
public final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** Headers the JDK client sets itself and refuses from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("host", "content-length", "connection", "expect", "upgrade");

  private final Endpoint endpoint;
  private final HttpClient http;
  private final Supplier<AwsCredentialsIdentity> credentials;
  private final Signer signer;

  public ApiClient(Endpoint endpoint) {
    this(endpoint, defaultCredentials(endpoint.profile()), Clock.systemUTC());
  }

  public ApiClient(
      Endpoint endpoint, Supplier<AwsCredentialsIdentity> credentials, Clock signingClock) {
    this.endpoint = endpoint;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    this.credentials = credentials;
    this.signer =
        endpoint.signed() ? new Signer(Signer.SERVICE, endpoint.region(), signingClock) : null;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  static Supplier<AwsCredentialsIdentity> defaultCredentials(String profile) {
    return () -> {
      DefaultCredentialsProvider.Builder b = DefaultCredentialsProvider.builder();
      if (profile != null) {
        b.profileName(profile);
      }
      try (DefaultCredentialsProvider p = b.build()) {
        return p.resolveCredentials();
      } catch (SdkClientException e) {
        throw new UserError(
            "no AWS credentials to sign requests to "
                + "the deployed API"
                + (profile == null ? "" : " (profile " + profile + ")")
                + ": "
                + sdkMessage(e),
            UserError.ENVIRONMENT,
            List.of(
                "  fix: configure credentials as for the AWS CLI (aws configure, AWS_PROFILE or"
                    + " --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or use --local"));
      }
    };
  }

  /** A response: status, content type and body. */
  public record Response(int status, String contentType, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UserError(
            "the API answered with something that is not JSON (HTTP " + status + ")",
            UserError.ENVIRONMENT);
      }
    }
  }

  public JsonNode get(String path) {
    return send("GET", path, null, null, Map.of()).json();
  }

  public Response getRaw(String path) {
    return send("GET", path, null, null, Map.of());
  }

  public Response post(String path, String contentType, String body, Map<String, String> headers) {
    return send("POST", path, contentType, body, headers);
  }

  public JsonNode postJson(String path, JsonNode body) {
    return post(path, "application/json", body == null ? "" : body.toString(), Map.of()).json();
  }

  /** Every item of a paginated list, following {@code next}, up to {@code max} (0: all). */
  public List<JsonNode> list(String path, int max) {
    List<JsonNode> items = new ArrayList<>();
    String next = null;
    do {
      int want = max == 0 ? 100 : Math.min(100, max - items.size());
      String sep = path.contains("?") ? "&" : "?";
      String page =
          path
              + sep
              + "limit="
              + want
              + (next == null
                  ? ""
                  : "&next=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
      JsonNode doc = get(page);
      JsonNode arr = doc.get("items");
      if (arr instanceof ArrayNode a) {
        a.forEach(items::add);
      }
      JsonNode n = doc.get("next");
      next = n == null || n.isNull() || n.asText().isEmpty() ? null : n.asText();
    } while (next != null && (max == 0 || items.size() < max));
    return max == 0 || items.size() <= max ? items : items.subList(0, max);
  }

  /** Sends one request; a 4xx/5xx becomes a {@link UserError}, a dead endpoint too. */
  public Response send(
      String method, String path, String contentType, String body, Map<String, String> extra) {
    URI uri = endpoint.resolve(path);
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("accept", "application/json, text/html;q=0.9");
    if (contentType != null) {
      headers.put("content-type", contentType);
    }
    extra.forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .method(
                method,
                bytes.length == 0 && body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(bytes));
    if (signer != null) {
      Map<String, List<String>> signed =
          signer.sign(credentials.get(), method, uri, headers, bytes);
      signed.forEach(
          (k, vs) -> {
            if (!RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
              vs.forEach(v -> rb.header(k, v));
            }
          });
    } else {
      headers.forEach(rb::header);
    }
    HttpResponse<byte[]> resp;
    try {
      resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw unreachable(e);
    } catch (HttpTimeoutException e) {
      throw new UserError(
          endpoint.base() + " did not answer within " + TIMEOUT.toSeconds() + " s",
          UserError.ENVIRONMENT,
          List.of("  fix: check the endpoint (" + endpoint.source() + ") and try again"));
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted", 130);
    }
    Response r =
        new Response(
            resp.statusCode(), resp.headers().firstValue("content-type").orElse(""), resp.body());
    if (r.status() >= 400) {
      throw error(r);
    }
    return r;
  }

  private UserError unreachable(Exception e) {
    String how =
        endpoint.signed()
            ? "check the URL ("
                + endpoint.source()
                + "), your network, or run `orchestra"
                + " configure` again; --local uses the local runtime"
            : "start the local runtime with `orchestra local up` (or check --endpoint)";
    return new UserError(
        "cannot reach the Orchestra API at "
            + endpoint.base()
            + " ("
            + endpoint.source()
            + "): "
            + why(e),
        UserError.ENVIRONMENT,
        List.of("  fix: " + how));
  }

  /** Why a connection failed, in words (the JDK often gives no message). */
  static String why(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof java.nio.channels.UnresolvedAddressException
        || root instanceof java.net.UnknownHostException) {
      return "the host name does not resolve";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "the connection timed out";
    }
    if (e instanceof ConnectException || root instanceof ConnectException) {
      return "connection refused";
    }
    String m = e.getMessage() != null ? e.getMessage() : root.getMessage();
    return m == null ? "the connection failed" : firstLine(m);
  }

  /** The API's JSON error body as a message plus findings; API Gateway's own 403s too. */
  UserError error(Response r) {
    JsonNode doc = null;
    try {
      doc = JSON.readTree(r.body());
    } catch (IOException ignored) {
      // not JSON: reported below with the status
    }
    String code = doc != null && doc.hasNonNull("code") ? doc.get("code").asText() : null;
    String message =
        doc != null && doc.hasNonNull("message")
            ? doc.get("message").asText()
            : doc != null && doc.hasNonNull("Message") ? doc.get("Message").asText() : null;
    List<String> details = new ArrayList<>();
    if (doc != null && doc.get("findings") instanceof ArrayNode fs) {
      for (JsonNode f : fs) {
        details.add(findingLine(f));
      }
    }
    if (code == null && (r.status() == 403 || r.status() == 401)) {
      // API Gateway's IAM authorizer: {"message": "..."} without a code.
      details.add(
          "  fix: check the AWS credentials and region you sign with (profile "
              + (endpoint.profile() == null ? "default" : endpoint.profile())
              + ", region "
              + endpoint.region()
              + ") and that your identity may call execute-api:Invoke on this API");
      return new UserError(
          "the API refused the request (HTTP "
              + r.status()
              + (message == null ? "" : ": " + message)
              + ")",
          UserError.ENVIRONMENT,
          details);
    }
    if (message == null) {
      message = "HTTP " + r.status() + " from " + endpoint.base();
    }
    int exit = r.status() >= 500 ? UserError.ENVIRONMENT : UserError.USAGE;
    return new ApiError(message, exit, details, r.status(), code);
  }

  static String findingLine(JsonNode f) {
    String file = f.path("file").asText("");
    String path = f.path("path").asText("");
    StringBuilder sb = new StringBuilder(file);
    if (!path.isEmpty()) {
      sb.append(sb.length() == 0 ? "" : " ").append(path);
    }
    sb.append(": ").append(f.path("problem").asText(""));
    String fix = f.path("fix").asText("");
    if (!fix.isEmpty()) {
      sb.append("\n  fix: ").append(fix);
    }
    return sb.toString();
  }

  /** An SDK exception's message without the credential chain's page-long detail. */
  public static String sdkMessage(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
    if (m.startsWith("Unable to load credentials from any of the providers")) {
      return "no credentials found (looked at AWS_ACCESS_KEY_ID, the profile file, web identity,"
          + " container and instance metadata)";
    }
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** An error the API reported, with its HTTP status and code. */
  public static final class ApiError extends UserError {
    private final int status;
    private final String code;

    ApiError(String message, int exit, List<String> details, int status, String code) {
      super(message, exit, details);
      this.status = status;
      this.code = code;
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }
  }
}
