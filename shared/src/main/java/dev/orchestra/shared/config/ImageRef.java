package dev.orchestra.shared.config;

import java.util.regex.Pattern;

/** Resolves run.yml {@code image} the way SigOpt did. */
public final class ImageRef {
  private ImageRef() {}

  /** A bare repository name: no registry host, no tag, no digest. */
  private static final Pattern BARE = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");

  /** A registry reference: [host[:port]/]path[:tag][@digest], lower-case path components. */
  private static final Pattern REFERENCE =
      Pattern.compile(
          "(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
              + "(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?");

  /** True when {@code image} is a bare name that means an ECR repository of the account. */
  public static boolean isBare(String image) {
    return BARE.matcher(image).matches();
  }

  static boolean isValid(String image) {
    return image.length() <= 512 && REFERENCE.matcher(image).matches();
  }

  /**
   * The image to pull: a bare name ({@code my-run}) is that repository in the account's ECR with
   * tag {@code latest}, as SigOpt built and pushed it; any other reference is returned as is.
   */
  public static String resolve(String image, String accountId, String region) {
    if (!isBare(image)) {
      return image;
    }
    String suffix = region.startsWith("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
    return accountId + ".dkr.ecr." + region + suffix + "/" + image + ":latest";
  }
}
