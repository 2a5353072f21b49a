package dev.orchestra.cdk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import software.constructs.Node;

/**
 * The app's settings, read from the CDK context (cdk.json, or {@code -c key=value}): the region and
 * account, the environment name that prefixes every physical name, the default compute target and
 * optional settings for the functions.
 */
public record Settings(
    String environment,
    Optional<String> account,
    String region,
    Optional<String> defaultCluster,
    Optional<String> reporterImage,
    Optional<String> subnetIds,
    Path root,
    Path lambdaJarDir,
    boolean nag,
    boolean emulator) {

  public static final String ENVIRONMENT = "orchestra:environment";
  public static final String ACCOUNT = "orchestra:account";
  public static final String REGION = "orchestra:region";
  public static final String DEFAULT_CLUSTER = "orchestra:defaultCluster";
  public static final String REPORTER_IMAGE = "orchestra:reporterImage";
  public static final String LAMBDA_JAR_DIR = "orchestra:lambdaJarDir";
  public static final String NAG = "orchestra:nag";

  /** Comma-separated subnet ids for EKS clusters; unset: the default VPC's subnets. */
  public static final String SUBNET_IDS = "orchestra:subnetIds";

  /**
   * {@code true} when deploying to the local emulator (moto): SQS event-source mappings are left
   * out — moto's CloudFormation skips Lambda aliases, so a mapping on an alias cannot be created,
   * and its pollers never reach Java (the local runtime polls the queues itself).
   */
  public static final String EMULATOR = "orchestra:emulator";

  public Settings {
    if (!environment.matches("[a-z][a-z0-9-]{0,19}")) {
      throw new IllegalArgumentException(
          "context "
              + ENVIRONMENT
              + "="
              + environment
              + ": must be 1-20 lowercase letters, digits or '-', starting with a letter (it"
              + " prefixes bucket, table and function names); set it in cdk.json or with -c");
    }
  }

  /** Reads the settings from the app's context; the repository root is found from the cwd. */
  public static Settings from(Node node) {
    Path root = findRoot(Path.of("").toAbsolutePath());
    String jarDir = text(node, LAMBDA_JAR_DIR).orElse("functions/target");
    return new Settings(
        text(node, ENVIRONMENT).orElse("orchestra"),
        text(node, ACCOUNT),
        text(node, REGION).orElse("us-east-1"),
        text(node, DEFAULT_CLUSTER),
        text(node, REPORTER_IMAGE),
        text(node, SUBNET_IDS),
        root,
        root.resolve(jarDir).normalize(),
        text(node, NAG).map(Boolean::parseBoolean).orElse(true),
        text(node, EMULATOR).map(Boolean::parseBoolean).orElse(false));
  }

  /** A physical name: {@code orchestra-intake} becomes {@code <environment>-intake}. */
  public String physicalName(String catalogName) {
    return catalogName.startsWith("orchestra-")
        ? environment + catalogName.substring("orchestra".length())
        : environment + "-" + catalogName;
  }

  private static Optional<String> text(Node node, String key) {
    Object v = node.tryGetContext(key);
    return v == null || v.toString().isBlank() ? Optional.empty() : Optional.of(v.toString());
  }

  private static Path findRoot(Path from) {
    for (Path p = from; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("statemachines"))
          && Files.isRegularFile(p.resolve("cdk.json"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no statemachines/ and cdk.json above "
            + from
            + "; run the CDK app from the Orchestra repository");
  }
}
