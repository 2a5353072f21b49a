package dev.orchestra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InitCommandTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    CommandLine cl = Orchestra.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void init_writesTemplatesThatValidate_andSchemasTheyReference(@TempDir Path tmp)
      throws Exception {
    Path dir = tmp.resolve("proj");

    Result r = run("init", dir.toString());

    assertThat(r.code()).as(r.err()).isZero();
    for (String kind : new String[] {"cluster", "run", "experiment"}) {
      Path yml = dir.resolve(kind + ".yml");
      String first = Files.readAllLines(yml).get(0);
      assertThat(first).startsWith("# yaml-language-server: $schema=");
      Path schema = dir.resolve(first.substring(first.indexOf('=') + 1));
      assertThat(schema).exists().hasFileName(kind + ".schema.json");
    }
    assertThat(dir.resolve("model.py")).exists();
    Result v =
        run(
            "validate",
            dir.resolve("cluster.yml").toString(),
            dir.resolve("run.yml").toString(),
            dir.resolve("experiment.yml").toString());
    assertThat(v.code()).as(v.out()).isZero();
    assertThat(v.out()).isEmpty();
  }

  @Test
  void templates_passTheirSchemas(@TempDir Path dir) throws Exception {
    run("init", dir.toString());

    // init writes every kind's schema (pool.yml's too) but templates only for SigOpt's three.
    for (dev.orchestra.shared.config.ConfigKind kind :
        dev.orchestra.shared.config.ConfigSchemas.all().keySet()) {
      String name = kind.name().toLowerCase(java.util.Locale.ROOT) + ".yml";
      assertThat(dir.resolve(InitCommand.SCHEMA_DIR).resolve(kind.yamlName() + ".schema.json"))
          .exists();
      if (!InitCommand.TEMPLATES.contains(name)) {
        continue;
      }
      assertThat(SchemasTest.validate(kind, Files.readString(dir.resolve(name))))
          .as(name)
          .isEmpty();
    }
  }

  @Test
  void init_refusesToOverwrite_withoutForce(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("run.yml"), "run: mine\n");

    Result r = run("init", dir.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("not overwriting").contains("run.yml").contains("--force");
    assertThat(Files.readString(dir.resolve("run.yml"))).isEqualTo("run: mine\n");
    assertThat(dir.resolve("experiment.yml")).doesNotExist();

    Result forced = run("init", dir.toString(), "--force");

    assertThat(forced.code()).isZero();
    assertThat(Files.readString(dir.resolve("run.yml"))).contains("run: python3 model.py");
  }
}
