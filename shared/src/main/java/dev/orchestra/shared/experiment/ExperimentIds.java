package dev.orchestra.shared.experiment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Deterministic ids: the same S3 drop (or the same Idempotency-Key) is always the same experiment,
 * so a repeated event starts nothing new (StartExecution's name is the id).
 */
public final class ExperimentIds {
  private ExperimentIds() {}

  static final int SLUG_MAX = 40;

  /** Lower-case {@code [a-z0-9-]}, runs of anything else become one dash, at most 40 chars. */
  public static String slug(String name) {
    String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
    StringBuilder sb = new StringBuilder();
    for (char c : lower.toCharArray()) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (ok) {
        sb.append(c);
      } else if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '-') {
        sb.append('-');
      }
    }
    String s = sb.length() > SLUG_MAX ? sb.substring(0, SLUG_MAX) : sb.toString();
    while (s.endsWith("-")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.isEmpty() ? "experiment" : s;
  }

  /** The id of an experiment dropped in S3: over bucket, URL-decoded key and eTag. */
  public static String forDrop(String name, String bucket, String key, String eTag) {
    return slug(name) + "-" + hash8(bucket + "\n" + key + "\n" + eTag);
  }

  /** The id of an experiment submitted through the API or the CLI. */
  public static String forIdempotencyKey(String name, String idempotencyKey) {
    return slug(name) + "-" + hash8(idempotencyKey);
  }

  /** {@code <experiment id>-r00001}. */
  public static String runId(String experimentId, int number) {
    return String.format(Locale.ROOT, "%s-r%05d", experimentId, number);
  }

  /** The run number back from a run id. */
  public static int runNumber(String runId) {
    return Integer.parseInt(runId.substring(runId.lastIndexOf("-r") + 2));
  }

  /** The experiment id back from a run id. */
  public static String experimentOf(String runId) {
    return runId.substring(0, runId.lastIndexOf("-r"));
  }

  private static String hash8(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
