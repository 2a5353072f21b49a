package dev.orchestra.functions.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Pagination: {@code ?limit=N} (1..100, default 50) and an opaque {@code ?next=} token, which is
 * the base64url of where the previous page stopped, with a prefix naming the list it belongs to.
 */
public final class Pages {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 100;

  private Pages() {}

  /** A page of a list: {@code {"items": [...], "next": token|null}}. */
  public record Page<T>(List<T> items, String next) {}

  public static int limit(String raw) {
    if (raw == null || raw.isBlank()) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw ApiException.badRequest(
        "limit=" + raw + " is not a whole number from 1 to " + MAX_LIMIT + "; e.g. ?limit=20");
  }

  public static String token(String list, String after) {
    if (after == null) {
      return null;
    }
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((list + ":" + after).getBytes(StandardCharsets.UTF_8));
  }

  /** Where to continue, or null for the first page; a token of another list is refused. */
  public static String after(String list, String token) {
    if (token == null || token.isBlank()) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(token.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      decoded = "";
    }
    String prefix = list + ":";
    if (!decoded.startsWith(prefix) || !Ids.isId(decoded.substring(prefix.length()))) {
      throw ApiException.badRequest(
          "next="
              + token
              + " is not a page token of this list; pass the \"next\" value of the previous page"
              + " as it is, or leave it out for the first page");
    }
    return decoded.substring(prefix.length());
  }
}
