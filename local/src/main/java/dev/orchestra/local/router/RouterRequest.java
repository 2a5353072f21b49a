package dev.orchestra.local.router;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One AWS API request as the router received it, for {@link GapFiller}s.
 *
 * @param headers header name (lower-case) → values
 */
public record RouterRequest(
    String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {

  private static final Pattern CREDENTIAL_SCOPE =
      Pattern.compile("Credential=[^/]+/[0-9]{8}/([^/]+)/([^/]+)/aws4_request");

  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase());
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** The SigV4 signing name of the request ({@code eks}, {@code sqs}, ...), from Authorization. */
  public Optional<String> service() {
    return header("authorization")
        .map(CREDENTIAL_SCOPE::matcher)
        .filter(Matcher::find)
        .map(m -> m.group(2));
  }

  /** The JSON-protocol operation ({@code X-Amz-Target}, e.g. {@code AmazonSQS.SendMessage}). */
  public Optional<String> target() {
    return header("x-amz-target");
  }
}
