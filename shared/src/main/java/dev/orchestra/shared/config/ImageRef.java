package dev.orchestra.shared.config;

import java.util.regex.Pattern;

/**
 * The shape check for run.yml {@code image}. Resolving a bare name to the account's ECR lives in
 * {@link dev.orchestra.shared.run.ImageReferences}.
 */
final class ImageRef {
  private ImageRef() {}

  /** A registry reference: [host[:port]/]path[:tag][@digest], lower-case path components. */
  private static final Pattern REFERENCE =
      Pattern.compile(
          "(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
              + "(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?");

  static boolean isValid(String image) {
    return image.length() <= 512 && REFERENCE.matcher(image).matches();
  }
}
