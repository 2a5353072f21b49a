package dev.orchestra.cdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/**
 * The app synthesized once per JVM with cdk.json's context (jsii start and synth cost seconds):
 * every test class reads the same templates and cloud assembly.
 */
final class SynthesizedApp {
  private static SynthesizedApp instance;

  final Path root;
  final Path outdir;
  final OrchestraApp.Stacks stacks;
  final Template data;
  final Template workflows;
  final Template api;
  final long synthMillis;

  private SynthesizedApp() throws IOException {
    root = findRoot();
    outdir = Files.createTempDirectory("orchestra-cdk-out");
    Map<String, Object> context = new HashMap<>();
    JsonNode cdkJson = new ObjectMapper().readTree(root.resolve("cdk.json").toFile());
    for (Iterator<Map.Entry<String, JsonNode>> it = cdkJson.path("context").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      context.put(
          e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
    }
    context.put(Settings.LAMBDA_JAR_DIR, lambdaJarDir(root).toString());
    long t0 = System.nanoTime();
    App app = App.Builder.create().context(context).outdir(outdir.toString()).build();
    stacks = OrchestraApp.create(app);
    app.synth();
    data = Template.fromStack(stacks.data());
    workflows = Template.fromStack(stacks.workflows());
    api = Template.fromStack(stacks.api());
    synthMillis = (System.nanoTime() - t0) / 1_000_000;
  }

  static synchronized SynthesizedApp get() {
    if (instance == null) {
      try {
        instance = new SynthesizedApp();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  /**
   * The real shaded jars when built ({@code mvn -Plambda package}); else tiny placeholder jars in a
   * temporary folder, so the stack tests do not need the slow shading. Deploying needs the real
   * ones.
   */
  private static Path lambdaJarDir(Path root) throws IOException {
    Path real = root.resolve("functions/target");
    if (Files.isRegularFile(real.resolve(FunctionSpecs.jarName(FunctionSpecs.LOOP)))
        && Files.isRegularFile(real.resolve(FunctionSpecs.jarName(FunctionSpecs.DISPATCH)))
        && Files.isRegularFile(real.resolve(FunctionSpecs.jarName(FunctionSpecs.CLUSTER)))
        && Files.isRegularFile(real.resolve(FunctionSpecs.jarName(FunctionSpecs.API)))) {
      return real;
    }
    Path dir = Files.createTempDirectory("orchestra-placeholder-jars");
    for (String group :
        new String[] {
          FunctionSpecs.LOOP, FunctionSpecs.DISPATCH, FunctionSpecs.CLUSTER, FunctionSpecs.API
        }) {
      try (OutputStream out = Files.newOutputStream(dir.resolve(FunctionSpecs.jarName(group)));
          JarOutputStream jar = new JarOutputStream(out, new Manifest())) {
        jar.flush();
      }
    }
    return dir;
  }

  private static Path findRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("cdk.json"))) {
        return p;
      }
    }
    throw new IllegalStateException("no cdk.json above the working directory");
  }
}
