package dev.orchestra.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;

/**
 * cdk.json sets every feature flag the aws-cdk-lib in use recommends for new projects (its {@code
 * recommended-feature-flags.json}, what {@code cdk init} writes), with the recommended value except
 * for the deviations listed here with their reasons (docs/deploy.md, "Feature flags"). An upgrade
 * of aws-cdk-lib that brings new flags fails this test until they are set and their template
 * changes understood.
 */
class FeatureFlagsTest {

  /**
   * Flags deliberately not at their recommended value: {@code defaultCrossStackReferences} stays
   * {@code strong}. With {@code weak}, aws-cdk-lib 2.263.0 turns even same-region references into
   * {@code Fn::GetStackOutput} (no exports), so OrchestraData could be deleted under
   * OrchestraWorkflows, and moto's CloudFormation does not know that intrinsic.
   */
  static final Map<String, String> DEVIATIONS =
      Map.of("@aws-cdk/core:defaultCrossStackReferences", "\"strong\"");

  @Test
  void cdkJsonSetsEveryRecommendedFlagOfTheAwsCdkLibInUse() throws IOException {
    Map<String, String> recommended = recommended();
    assertThat(recommended).hasSizeGreaterThan(80);
    JsonNode context =
        new ObjectMapper().readTree(root().resolve("cdk.json").toFile()).path("context");
    Map<String, String> wrong = new TreeMap<>();
    recommended.forEach(
        (flag, value) -> {
          String want = DEVIATIONS.getOrDefault(flag, value);
          String got = context.has(flag) ? context.get(flag).toString() : "<unset>";
          if (!want.equals(got)) {
            wrong.put(flag, "cdk.json " + got + ", recommended " + want);
          }
        });
    assertThat(wrong).as("flags to set in cdk.json").isEmpty();
    // Every non-orchestra context key is a flag this aws-cdk-lib knows.
    for (Iterator<String> it = context.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.startsWith("orchestra:")) {
        assertThat(recommended).as("unknown flag in cdk.json").containsKey(key);
      }
    }
  }

  /** The recommended flags from aws-cdk-lib's own package (the jsii tarball inside its jar). */
  private static Map<String, String> recommended() throws IOException {
    String version = App.class.getPackage().getImplementationVersion();
    String name = "/software/amazon/awscdk/aws-cdk-lib@" + version + ".jsii.tgz";
    try (InputStream tgz = App.class.getResourceAsStream(name)) {
      assertThat(tgz).as(name + " in the aws-cdk-lib jar").isNotNull();
      byte[] json =
          tarEntry(new GZIPInputStream(tgz, 1 << 16), "package/recommended-feature-flags.json");
      Map<String, String> out = new TreeMap<>();
      JsonNode flags = new ObjectMapper().readTree(json);
      flags.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().toString()));
      return out;
    }
  }

  /** One file of a (ustar) tar stream. */
  private static byte[] tarEntry(InputStream tar, String wanted) throws IOException {
    byte[] header = new byte[512];
    while (tar.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
      String entry = new String(header, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
      String prefix = new String(header, 345, 155, StandardCharsets.US_ASCII).replace("\0", "");
      if (!prefix.isEmpty()) {
        entry = prefix + "/" + entry;
      }
      long size =
          Long.parseLong(
              new String(header, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim(), 8);
      if (entry.equals(wanted)) {
        return tar.readNBytes((int) size);
      }
      tar.skipNBytes((size + 511) / 512 * 512);
    }
    throw new IOException(wanted + " not found in aws-cdk-lib's package");
  }

  private static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (p.resolve("cdk.json").toFile().isFile()) {
        return p;
      }
    }
    throw new IllegalStateException("no cdk.json above the working directory");
  }
}
