package dev.orchestra.functions.api;

import java.util.regex.Pattern;

/** Path ids checked before they reach a store key or an S3 key: no traversal, no surprises. */
public final class Ids {
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");
  private static final Pattern POOL = Pattern.compile("[a-z]([a-z0-9-]{0,38}[a-z0-9])?");
  private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");

  private Ids() {}

  static boolean isId(String s) {
    return s != null && ID.matcher(s).matches();
  }

  /** An experiment or run id: lower-case letters, digits and dashes. */
  public static String id(String kind, String value) {
    if (!isId(value)) {
      throw ApiException.badRequest(
          kind
              + " \""
              + value
              + "\" is not an id (lower-case letters, digits and dashes, at most 80); copy it"
              + " from GET /experiments");
    }
    return value;
  }

  public static String cluster(String value) {
    if (value == null || !CLUSTER.matcher(value).matches()) {
      throw ApiException.badRequest(
          "cluster name \""
              + value
              + "\" is not a cluster name (letters, digits, '-' and '_'); copy it from GET"
              + " /clusters");
    }
    return value;
  }

  /** A pool name as pool.yml allows it: lower-case letters, digits and '-', at most 40. */
  public static String pool(String value) {
    if (value == null || !POOL.matcher(value).matches()) {
      throw ApiException.badRequest(
          "pool name \""
              + value
              + "\" is not a pool name (lower-case letters, digits and '-', starting with a"
              + " letter, at most 40); copy it from GET /pools");
    }
    return value;
  }
}
