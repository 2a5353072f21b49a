package dev.orchestra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.shared.config.ConfigKind;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.config.YamlLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code orchestra validate}: checks files offline and prints only the findings. Plain picocli and
 * Jackson, no application context, so that it starts in well under a second.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Check cluster.yml, run.yml, experiment.yml and pool.yml files and print every problem"
          + " found.",
      "Without --kind, the kind of each file is inferred from its fields.",
      "Exit status: 0 all files valid, 1 a file is invalid or unreadable, 2 usage error."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra validate examples/sigopt/experiment.yml",
      "  orchestra validate --kind cluster my-cluster.yml",
      "  orchestra validate --kind pool examples/pools/gpu-spot.yml",
      "  orchestra validate --json cluster.yml run.yml experiment.yml",
      "",
      "Each finding is one line: FILE: PATH: PROBLEM — fix: FIX"
    })
public final class ValidateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--kind",
      paramLabel = "KIND",
      description = "cluster, run, experiment or pool (default: inferred from each file's fields)",
      converter = KindConverter.class)
  ConfigKind kind;

  @Option(names = "--json", description = "print the findings as a JSON array")
  boolean json;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "the files to check")
  List<Path> files;

  @Override
  public Integer call() {
    List<Finding> findings = new ArrayList<>();
    for (Path file : files) {
      findings.addAll(check(file));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(findings));
    } else {
      for (Finding f : findings) {
        out.println(humanLine(f));
      }
    }
    out.flush();
    return findings.isEmpty() ? 0 : 1;
  }

  private List<Finding> check(Path file) {
    String name = file.toString();
    String text;
    try {
      if (Files.isDirectory(file)) {
        return List.of(
            new Finding(name, "", "this is a folder, not a file", "name the YAML file itself"));
      }
      long size = Files.size(file);
      if (size > YamlLoader.MAX_BYTES) {
        return List.of(
            new Finding(
                name,
                "",
                "the file is "
                    + size
                    + " bytes, above the limit of "
                    + YamlLoader.MAX_BYTES
                    + " bytes (1 MiB)",
                "a configuration file is a few kilobytes; check that this is the right file"));
      }
      text = read(file);
    } catch (NoSuchFileException e) {
      return List.of(new Finding(name, "", "the file does not exist", "check the path"));
    } catch (CharacterCodingException e) {
      return List.of(new Finding(name, "", "the file is not UTF-8 text", "save the file as UTF-8"));
    } catch (IOException e) {
      return List.of(
          new Finding(
              name,
              "",
              "the file cannot be read (" + e.getClass().getSimpleName() + ")",
              "check the path and its permissions"));
    }
    return ConfigParser.validate(kind, name, text);
  }

  private static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(YamlLoader.MAX_BYTES + 1);
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    }
  }

  /** {@code FILE: PATH: PROBLEM — fix: FIX}; the path is left out for whole-file findings. */
  static String humanLine(Finding f) {
    StringBuilder sb = new StringBuilder(f.file()).append(": ");
    if (f.path() != null && !f.path().isEmpty()) {
      sb.append(f.path()).append(": ");
    }
    sb.append(f.problem());
    if (f.fix() != null && !f.fix().isEmpty()) {
      sb.append(" — fix: ").append(f.fix());
    }
    return sb.toString();
  }

  static String toJson(List<Finding> findings) {
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode array = mapper.createArrayNode();
    for (Finding f : findings) {
      ObjectNode o = array.addObject();
      o.put("file", f.file());
      o.put("path", f.path());
      o.put("problem", f.problem());
      o.put("fix", f.fix());
    }
    return array.toString();
  }

  /** Turns --kind into a ConfigKind, with a usage error naming the choices. */
  static final class KindConverter implements picocli.CommandLine.ITypeConverter<ConfigKind> {
    @Override
    public ConfigKind convert(String value) {
      ConfigKind k = ConfigKind.fromName(value);
      if (k == null) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a kind; use cluster, run, experiment or pool");
      }
      return k;
    }
  }
}
