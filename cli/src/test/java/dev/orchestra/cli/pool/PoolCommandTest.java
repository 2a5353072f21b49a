package dev.orchestra.cli.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.cli.Orchestra;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code orchestra pool ...} and {@code optimize --pool}: help, and the user's mistakes that are
 * answered before anything is started or sent (an invalid or missing pool.yml, two targets).
 */
class PoolCommandTest {
  static final Path GPU_SPOT =
      Path.of("..", "examples", "pools", "gpu-spot.yml").toAbsolutePath().normalize();
  static final Path BRANIN =
      Path.of("..", "examples", "branin", "experiment.yml").toAbsolutePath().normalize();
  @TempDir static Path home;

  @BeforeAll
  static void useTempHome() {
    System.setProperty("orchestra.state.home", home.toString());
  }

  @AfterAll
  static void cleanUp() {
    System.clearProperty("orchestra.state.home");
  }

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
  void help_listsEverySubcommand_andEachHasExamples() {
    Result help = run("pool", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains("create", "update", "destroy", "status", "list")
        .contains("Examples:")
        .contains("orchestra pool create examples/pools/gpu-spot.yml");
    for (String sub : new String[] {"create", "update", "destroy", "status", "list"}) {
      Result r = run("pool", sub, "--help");
      assertThat(r.code()).as(sub).isZero();
      assertThat(r.out()).as(sub).contains("Examples:").contains("orchestra pool " + sub);
    }
    assertThat(run("pool", "destroy", "--help").out()).contains("--wait");
    assertThat(run("pool", "status", "--help").out()).contains("--json");
    assertThat(run("optimize", "--help").out()).contains("--pool").contains("--cluster");
    assertThat(run("--help").out()).contains("pool");
  }

  @Test
  void create_invalidFile_printsEveryFindingWithItsFix_exit2_andStartsNothing() throws Exception {
    Path bad = home.resolve("bad-pool.yml");
    Files.writeString(
        bad,
        """
        pool_name: Bad_Name
        instance_types: []
        max_instances: 0
        spot: false
        on_demand_fallback: true
        """);
    Result r = run("pool", "create", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("error: " + bad + " has ")
        .contains("nothing was done")
        .contains(bad + " pool_name: ")
        .contains(bad + " instance_types: ")
        .contains(bad + " max_instances: ")
        .contains("  fix: ")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    // Refused before the local runtime is needed: nothing was started.
    assertThat(home.resolve("local")).doesNotExist();

    Result update = run("pool", "update", "-f", bad.toString());
    assertThat(update.code()).isEqualTo(2);
    assertThat(update.err()).contains(bad + " pool_name: ");
  }

  @Test
  void create_missingOrAmbiguousFile_isAUsageError() {
    Path missing = home.resolve("nope.yml");
    Result r = run("pool", "create", missing.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "error: "
                + missing
                + ": no such file; give the path of your"
                + " pool.yml"
                + System.lineSeparator());

    Result none = run("pool", "create");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("no pool.yml given").contains("orchestra pool create");

    Result two = run("pool", "update", GPU_SPOT.toString(), "-f", missing.toString());
    assertThat(two.code()).isEqualTo(2);
    assertThat(two.err()).contains("two files given");
  }

  @Test
  void optimize_clusterAndPool_isAUsageError_namingBoth() {
    Result r =
        run("optimize", "-e", BRANIN.toString(), "--cluster", "gpu-cluster", "--pool", "gpu-spot");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("error: --cluster gpu-cluster and --pool gpu-spot both name a target")
        .contains("give one of them");
  }
}
