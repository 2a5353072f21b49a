package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.orchestra.shared.config.ConfigKind;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ConfigSchemas;
import dev.orchestra.shared.config.Finding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The editor schemas: the shipped files are what the generator makes, and they agree with {@code
 * orchestra validate} on every example.
 */
class SchemasTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path SCHEMAS = REPO.resolve("schemas");
  static final String REFRESH =
      "mvn -B -q -pl cli -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=SchemasTest"
          + " -Dorchestra.schemas.write=true";

  @Test
  void shippedSchemas_matchTheGenerator() throws IOException {
    boolean write = Boolean.getBoolean("orchestra.schemas.write");
    for (Map.Entry<ConfigKind, ObjectNode> e : ConfigSchemas.all().entrySet()) {
      Path file = SCHEMAS.resolve(ConfigSchemas.fileName(e.getKey()));
      String generated = ConfigSchemas.text(e.getValue());
      if (write) {
        Files.createDirectories(SCHEMAS);
        Files.writeString(file, generated);
      }
      assertThat(Files.exists(file)).as(file + " is missing; refresh with: " + REFRESH).isTrue();
      assertThat(Files.readString(file))
          .as(file + " differs from the generator; refresh with: " + REFRESH)
          .isEqualTo(generated);
    }
  }

  @Test
  void jar_shipsTheSchemas() throws IOException {
    for (ConfigKind kind : ConfigSchemas.all().keySet()) {
      String name = "/schemas/" + ConfigSchemas.fileName(kind);
      try (InputStream in = Orchestra.class.getResourceAsStream(name)) {
        assertThat(in).as(name + " on the cli classpath").isNotNull();
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo(ConfigSchemas.text(ConfigSchemas.all().get(kind)));
      }
    }
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> s = Files.walk(REPO.resolve("examples"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
      assertThat(files).hasSizeGreaterThanOrEqualTo(7);
      return files.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void example_schemaVerdict_agreesWithValidate(Path file) throws IOException {
    String text = Files.readString(file);
    ConfigKind kind =
        ConfigKind.infer((ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(text));
    List<Finding> findings = ConfigParser.validate(kind, file.toString(), text);

    Set<ValidationMessage> errors = validate(kind, text);

    assertThat(errors.isEmpty())
        .as("schema errors %s vs validate findings %s", errors, findings)
        .isEqualTo(findings.isEmpty());
  }

  @Test
  void sigoptCluster_pinnedOldKubernetes_isFlaggedAtThatField() throws IOException {
    Set<ValidationMessage> errors =
        validate(ConfigKind.CLUSTER, Files.readString(REPO.resolve("examples/sigopt/cluster.yml")));

    assertThat(errors)
        .extracting(ValidationMessage::getInstanceLocation)
        .extracting(Object::toString)
        .containsExactly("$.kubernetes_version");
  }

  @Test
  void unsupportedSigOptField_andMissingBudget_areInvalid() throws IOException {
    Set<ValidationMessage> errors =
        validate(
            ConfigKind.EXPERIMENT,
            "name: x\nconditionals: []\nmetrics: [{name: a}]\n"
                + "parameters: [{name: p, type: double, bounds: {min: 0, max: 1}}]\n");

    assertThat(errors)
        .extracting(m -> m.getInstanceLocation().toString() + " " + m.getType())
        .anyMatch(s -> s.startsWith("$.conditionals"))
        .anyMatch(s -> s.contains("required"));
  }

  @Test
  void pool_withAmiIdSubnetsAndSecurityGroup_isValid() throws IOException {
    String yaml =
        "pool_name: cpu-batch\ninstance_types: [m5.large]\nmax_instances: 2\n"
            + "ami: ami-0123456789abcdef0\nvolume_type: io2\nvolume_size: 8\n"
            + "subnets: [subnet-0123abcd]\nsecurity_group: sg-0123456789abcdef0\n";

    assertThat(ConfigParser.validate(ConfigKind.POOL, "pool.yml", yaml)).isEmpty();
    assertThat(validate(ConfigKind.POOL, yaml)).isEmpty();
  }

  @Test
  void pool_bootlessVolume_bothAmis_andFallbackWithoutSpot_areInvalid() throws IOException {
    String yaml =
        "pool_name: gpu-spot\ninstance_types: [g5.xlarge]\nmax_instances: 2\n"
            + "ami: ami-0123456789abcdef0\n"
            + "ami_discovery: {owner: '123456789012', name: 'agent-*', architecture: arm64}\n"
            + "on_demand_fallback: true\nvolume_type: st1\n";

    assertThat(ConfigParser.validate(ConfigKind.POOL, "pool.yml", yaml))
        .extracting(Finding::path)
        .contains("volume_type", "ami_discovery", "on_demand_fallback");
    assertThat(validate(ConfigKind.POOL, yaml))
        .extracting(m -> m.getInstanceLocation().toString() + " " + m.getType())
        .containsExactlyInAnyOrder("$.volume_type enum", "$ oneOf", "$ required");
  }

  static Set<ValidationMessage> validate(ConfigKind kind, String yaml) throws IOException {
    JsonNode schemaDoc = ConfigSchemas.all().get(kind);
    JsonSchema schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schemaDoc);
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    return schema.validate(doc);
  }
}
