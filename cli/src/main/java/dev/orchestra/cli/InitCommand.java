package dev.orchestra.cli;

import dev.orchestra.shared.config.ConfigKind;
import dev.orchestra.shared.config.ConfigSchemas;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code orchestra init}: commented cluster.yml, run.yml and experiment.yml templates (as {@code
 * sigopt init} wrote them), a stand-in model.py, and the editor schemas the templates reference.
 */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Write commented cluster.yml, run.yml and experiment.yml templates.",
      "Also a stand-in model.py, and the JSON Schemas editors use to check the",
      "files (.orchestra/schemas/). Never overwrites a file unless --force is given."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra init                 # in the current folder",
      "  orchestra init my-experiment",
      "  cd my-experiment && orchestra optimize -e experiment.yml"
    })
public final class InitCommand implements Callable<Integer> {
  /** Where the schemas go, relative to DIR; the templates' schema comments point there. */
  public static final String SCHEMA_DIR = ".orchestra/schemas";

  static final List<String> TEMPLATES =
      List.of("cluster.yml", "run.yml", "experiment.yml", "model.py");

  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "DIR",
      arity = "0..1",
      description = "The folder to write into (created if needed; default: the current folder).")
  Path dir;

  @Option(names = "--force", description = "Overwrite files that already exist.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    Path target = dir == null ? Path.of("") : dir;
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (String t : TEMPLATES) {
      files.put(target.resolve(t), resource("init/" + t));
    }
    for (ConfigKind kind : ConfigSchemas.all().keySet()) {
      String name = ConfigSchemas.fileName(kind);
      files.put(target.resolve(SCHEMA_DIR).resolve(name), resource("/schemas/" + name));
    }
    List<Path> existing = new ArrayList<>();
    for (Path p : files.keySet()) {
      if (Files.exists(p)) {
        existing.add(p);
      }
    }
    if (!existing.isEmpty() && !force) {
      throw new UserError(
          "not overwriting "
              + String.join(", ", existing.stream().map(Path::toString).toList())
              + "; pass --force to replace them, or give another folder");
    }
    PrintWriter out = spec.commandLine().getOut();
    try {
      for (Map.Entry<Path, byte[]> f : files.entrySet()) {
        Path parent = f.getKey().toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.write(f.getKey(), f.getValue());
        out.println("wrote " + f.getKey());
      }
    } catch (IOException e) {
      throw new UserError("cannot write the templates: " + e.getMessage(), UserError.ENVIRONMENT);
    }
    String cd = dir == null ? "" : "cd " + dir + " && ";
    out.println();
    out.println("Next: edit experiment.yml and model.py, then");
    out.println("  " + cd + "orchestra validate cluster.yml run.yml experiment.yml");
    out.println("  " + cd + "orchestra optimize -e experiment.yml");
    out.flush();
    return 0;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = InitCommand.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the cli jar lacks " + name);
      }
      return in.readAllBytes();
    }
  }
}
