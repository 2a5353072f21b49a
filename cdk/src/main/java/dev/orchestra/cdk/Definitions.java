package dev.orchestra.cdk;

import dev.orchestra.shared.AslTemplates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The state machines of {@code statemachines/*.asl.json}: their names and their ASL with every
 * {@code ${Placeholder}} replaced in Java (no CloudFormation DefinitionSubstitutions: the local
 * emulator ignores them).
 */
public final class Definitions {
  private static final String SUFFIX = ".asl.json";

  /** One ASL file: its short name ({@code run} for run.asl.json) and template text. */
  public record Definition(String name, String template) {

    /** The placeholders the template uses. */
    public TreeSet<String> placeholders() {
      return AslTemplates.placeholders(template);
    }

    /** The environment variable that carries this state machine's ARN to the functions. */
    public String arnEnvVar() {
      return "ORCHESTRA_" + name.toUpperCase().replace('-', '_') + "_STATE_MACHINE_ARN";
    }
  }

  private Definitions() {}

  /** Every {@code *.asl.json} in the folder, sorted by name. */
  public static List<Definition> load(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      List<Definition> out = new ArrayList<>();
      for (Path f :
          files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
        String file = f.getFileName().toString();
        out.add(
            new Definition(
                file.substring(0, file.length() - SUFFIX.length()),
                Files.readString(f, StandardCharsets.UTF_8)));
      }
      if (out.isEmpty()) {
        throw new IllegalStateException("no *" + SUFFIX + " in " + folder);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replaces every placeholder.
   *
   * @throws IllegalArgumentException naming the file and every placeholder without a value
   */
  public static String substitute(Definition d, Map<String, String> values) {
    return AslTemplates.substitute(
        "statemachines/" + d.name() + SUFFIX,
        d.template(),
        values,
        "name a FunctionCatalog entry in FunctionCatalog.ARN_PLACEHOLDERS or give the value in"
            + " WorkflowsStack");
  }
}
