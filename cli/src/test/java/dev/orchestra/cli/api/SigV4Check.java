package dev.orchestra.cli.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A verifier for SigV4 Authorization headers, written from the published algorithm so that a
 * received request can be checked independently of the SDK that signed it. It is itself checked
 * against the AWS test-suite vectors in {@code SigV4SignerTest}. Test code only.
 */
final class SigV4Check {
  private static final Pattern AUTH =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,"
              + " ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

  private SigV4Check() {}

  /** The parts of an Authorization header. */
  record Auth(
      String accessKey,
      String date,
      String region,
      String service,
      List<String> signedHeaders,
      String signature) {}

  static Auth parse(String authorization) {
    Matcher m = AUTH.matcher(authorization);
    if (!m.matches()) {
      throw new AssertionError("not a SigV4 Authorization header: " + authorization);
    }
    return new Auth(
        m.group(1), m.group(2), m.group(3), m.group(4), List.of(m.group(5).split(";")), m.group(6));
  }

  /**
   * The expected signature of a request as received.
   *
   * @param canonicalPath the path as it is signed (already URI-encoded)
   * @param canonicalQuery the canonical query string (sorted, encoded)
   * @param headers received headers, lower-case names
   */
  static String signature(
      String secret,
      Auth auth,
      String method,
      String canonicalPath,
      String canonicalQuery,
      Map<String, String> headers,
      byte[] body) {
    String canonical = canonicalRequest(auth, method, canonicalPath, canonicalQuery, headers, body);
    String amzDate = headers.get("x-amz-date");
    String scope = auth.date() + "/" + auth.region() + "/" + auth.service() + "/aws4_request";
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), auth.date());
    k = hmac(k, auth.region());
    k = hmac(k, auth.service());
    k = hmac(k, "aws4_request");
    return hex(hmac(k, toSign));
  }

  static String canonicalRequest(
      Auth auth,
      String method,
      String canonicalPath,
      String canonicalQuery,
      Map<String, String> headers,
      byte[] body) {
    TreeMap<String, String> signed = new TreeMap<>();
    for (String h : auth.signedHeaders()) {
      String v = headers.get(h);
      if (v == null) {
        throw new AssertionError("signed header " + h + " is missing from the request");
      }
      signed.put(h, v.trim().replaceAll(" +", " "));
    }
    StringBuilder canonical = new StringBuilder();
    canonical.append(method).append('\n').append(canonicalPath).append('\n');
    canonical.append(canonicalQuery).append('\n');
    signed.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
    canonical.append('\n').append(String.join(";", signed.keySet())).append('\n');
    canonical.append(hex(sha256(body)));
    return canonical.toString();
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
