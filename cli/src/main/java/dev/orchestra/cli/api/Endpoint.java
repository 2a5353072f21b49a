package dev.orchestra.cli.api;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the API is and how to reach it.
 *
 * @param base the API's base URL, ending in {@code /} (a deployed stack's includes the stage)
 * @param signed whether requests are SigV4-signed (a deployed stack; never the local runtime)
 * @param region the signing region (null when unsigned)
 * @param profile the AWS profile for credentials, or null for the default chain
 * @param source how it was chosen, for messages ("--local", "--endpoint", "configured stack ...")
 */
public record Endpoint(URI base, boolean signed, String region, String profile, String source) {
  private static final Pattern EXECUTE_API =
      Pattern.compile("[a-z0-9]+\\.execute-api\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");

  public Endpoint {
    base = normalize(base);
  }

  /** The local runtime's listener: unsigned. */
  public static Endpoint local(URI base) {
    return new Endpoint(base, false, null, null, "the local runtime");
  }

  /** The URL with a trailing slash and without a default port (so the signed Host matches). */
  static URI normalize(URI u) {
    if (u.getScheme() == null || u.getHost() == null) {
      throw new IllegalArgumentException(u + " is not an http(s) URL");
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    int port = u.getPort();
    if ((scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80)) {
      port = -1;
    }
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    if (!path.endsWith("/")) {
      path = path + "/";
    }
    return URI.create(scheme + "://" + u.getHost() + (port == -1 ? "" : ":" + port) + path);
  }

  /** Loopback hosts are the local runtime's listener, which is never signed. */
  public static boolean isLoopback(URI u) {
    String h = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  /** The region in an API Gateway URL ({@code id.execute-api.REGION.amazonaws.com}), or null. */
  public static String regionOf(URI u) {
    Matcher m = EXECUTE_API.matcher(u.getHost() == null ? "" : u.getHost());
    return m.matches() ? m.group(1) : null;
  }

  /** The absolute URL of an API path such as {@code experiments/x/runs?limit=5}. */
  public URI resolve(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return URI.create(base + p);
  }
}
