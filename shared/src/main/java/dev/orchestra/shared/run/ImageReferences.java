package dev.orchestra.shared.run;

import java.util.regex.Pattern;

/**
 * run.yml's {@code image}: a full reference is used as written; a bare repository name (as SigOpt
 * wrote it, {@code my-run}) means that repository in the account's ECR, tag {@code latest}.
 */
public final class ImageReferences {
  private ImageReferences() {}

  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");

  /**
   * Resolves {@code image}. It is bare when it has no registry host (no {@code /} whose first part
   * contains a dot or a colon, or is {@code localhost}), no tag and no digest.
   */
  public static String resolve(String image, String accountId, String region) {
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("image is empty; name a repository or a full reference");
    }
    if (!isBare(image)) {
      return image;
    }
    if (!ACCOUNT.matcher(accountId).matches()) {
      throw new IllegalArgumentException("account id '" + accountId + "' is not 12 digits");
    }
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("region '" + region + "' is not an AWS region name");
    }
    return accountId + ".dkr.ecr." + region + ".amazonaws.com/" + image + ":latest";
  }

  /** True when {@code image} names only a repository: no registry, tag or digest. */
  public static boolean isBare(String image) {
    if (image.contains("@")) {
      return false;
    }
    int slash = image.indexOf('/');
    if (slash >= 0) {
      String first = image.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        return false;
      }
    }
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    return !lastPart.contains(":");
  }
}
