package dev.orchestra.cli.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    // The runtime this class starts fires each pool's tick every 3 s instead of every minute.
    System.setProperty("orchestra.time.scale", "0.05");
  }

  @AfterAll
  static void cleanUp() {
    if (Files.exists(home.resolve("local"))) {
      run("local", "down");
    }
    System.clearProperty("orchestra.state.home");
    System.clearProperty("orchestra.time.scale");
  }

  static Path poolFile(String name, int max) throws Exception {
    Path f = home.resolve(name + "-" + max + ".yml");
    Files.writeString(
        f,
        """
        pool_name: %s
        instance_types: [g5.xlarge, g4dn.xlarge]
        spot: true
        on_demand_fallback: true
        max_instances: %d
        idle_timeout_minutes: 5
        ami: ami-0123456789abcdef0
        """
            .formatted(name, max));
    return f;
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
    // Refused before the local runtime is needed: it was neither started nor looked up.
    assertThat(r.err()).doesNotContain("local runtime").doesNotContain("starting moto");

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

  /** The local path: in-process PoolOperations against the local runtime (started if needed). */
  @Test
  void local_createStatusListUpdateDestroy() throws Exception {
    Path file = poolFile("cli-pool", 2);
    Result created = run("pool", "create", file.toString());
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out())
        .startsWith("cli-pool: READY (spot then on demand, g5.xlarge > g4dn.xlarge, at most 2");
    // The same file again is the same pool; a changed one needs update.
    assertThat(run("pool", "create", "-f", file.toString()).out()).isEqualTo(created.out());
    Path changed = poolFile("cli-pool", 3);
    Result refused = run("pool", "create", changed.toString());
    assertThat(refused.code()).isEqualTo(2);
    // (stderr may first say the local runtime is already running)
    assertThat(refused.err()).contains("error: pool cli-pool exists with another configuration");
    assertThat(refused.err()).contains("orchestra pool update").doesNotContain("Exception");

    Result status = run("pool", "status", "cli-pool", "--json");
    assertThat(status.code()).as(status.err()).isZero();
    JsonNode doc = new ObjectMapper().readTree(status.out());
    assertThat(doc.get("status").asText()).isEqualTo("READY");
    assertThat(doc.get("instances")).isEmpty();
    assertThat(doc.get("pending_runs").asInt()).isZero();
    assertThat(doc.get("work_queue_url").asText()).endsWith("/orchestra-pool-cli-pool");
    assertThat(run("pool", "list").out()).containsPattern("cli-pool +READY +spot\\+on-demand");
    JsonNode list = new ObjectMapper().readTree(run("pool", "list", "--json").out());
    assertThat(list.get("items").findValuesAsText("name")).contains("cli-pool");

    Result updated = run("pool", "update", changed.toString(), "--json");
    assertThat(updated.code()).as(updated.err()).isZero();
    assertThat(new ObjectMapper().readTree(updated.out()).get("max_instances").asInt())
        .isEqualTo(3);

    Result unknown = run("pool", "status", "no-such-pool");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err())
        .contains("error: no pool named no-such-pool")
        .doesNotContain("Exception");

    Result destroyed = run("pool", "destroy", "cli-pool");
    assertThat(destroyed.code()).as(destroyed.err()).isZero();
    assertThat(destroyed.out()).startsWith("cli-pool: DESTROYING");
  }

  /** The remote path: the same commands through the local runtime's API listener. */
  @Test
  void throughTheApi_createStatusListUpdateDestroy() throws Exception {
    Result up = run("local", "up", "--json");
    assertThat(up.code()).as(up.err()).isZero();
    String api = new ObjectMapper().readTree(up.out()).get("api_endpoint").asText();
    Path file = poolFile("api-pool", 2);
    Result created = run("pool", "create", file.toString(), "--endpoint", api);
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).startsWith("api-pool: READY");

    Result status = run("pool", "status", "api-pool", "--json", "--endpoint", api);
    JsonNode doc = new ObjectMapper().readTree(status.out());
    assertThat(doc.get("status").asText()).isEqualTo("READY");
    assertThat(doc.get("max_instances").asInt()).isEqualTo(2);
    assertThat(run("pool", "list", "--endpoint", api).out()).containsPattern("api-pool +READY");

    Result refused = run("pool", "create", poolFile("api-pool", 3).toString(), "--endpoint", api);
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).startsWith("error: ").contains("orchestra pool update");
    Result invalidRemote =
        run("pool", "update", poolFile("api-pool", 3).toString(), "--endpoint", api, "--json");
    assertThat(invalidRemote.code()).as(invalidRemote.err()).isZero();
    assertThat(new ObjectMapper().readTree(invalidRemote.out()).get("max_instances").asInt())
        .isEqualTo(3);

    Result unknown = run("pool", "status", "nope", "--endpoint", api);
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("error: no pool named nope").doesNotContain("Exception");

    // --wait follows the pool's own scaling tick (fired by the runtime's schedule, once a minute
    // scaled: every 3 s here) until it has removed the pool's resources.
    Result destroyed = run("pool", "destroy", "api-pool", "--wait", "--endpoint", api);
    assertThat(destroyed.code()).as(destroyed.err()).isZero();
    assertThat(destroyed.err())
        .contains("api-pool: DESTROYING; waiting for its instances to terminate")
        .contains("api-pool: destroyed in");
    assertThat(destroyed.out()).startsWith("api-pool: DESTROYED");
    assertThat(run("pool", "list", "--endpoint", api).out()).doesNotContain("api-pool");
  }

  /**
   * {@code --pool} reaches Dispatch as the target {@code pool/NAME}, locally and through the API: a
   * pool that does not exist fails each run with Dispatch's reason, which names the pool and the
   * fix.
   */
  @Test
  void optimize_pool_isTheRunsTarget_locallyAndThroughTheApi() throws Exception {
    Path dir = Files.createDirectories(home.resolve("no-pool-experiment"));
    Files.writeString(
        dir.resolve("experiment.yml"),
        """
        name: no-pool
        type: random
        metrics: [{name: value, objective: minimize}]
        parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
        budget: 1
        max_failed_runs: 1
        run:
          run: echo never
        """);
    Result local =
        run("optimize", "-e", dir.resolve("experiment.yml").toString(), "--pool", "nope", "--json");
    assertThat(local.code()).as(local.err()).isEqualTo(1);
    JsonNode doc = new ObjectMapper().readTree(local.out());
    assertThat(doc.get("status").asText()).isEqualTo("failed");
    assertThat(doc.get("runs").get(0).get("reason").asText())
        .contains("no pool named nope")
        .contains("orchestra pool create");

    Result up = run("local", "up", "--json");
    String api = new ObjectMapper().readTree(up.out()).get("api_endpoint").asText();
    Result remote =
        run(
            "optimize",
            "-e",
            dir.resolve("experiment.yml").toString(),
            "--pool",
            "nope",
            "--endpoint",
            api,
            "--json");
    assertThat(remote.code()).as(remote.err()).isEqualTo(1);
    assertThat(remote.err()).contains("runs go to pool/nope");
    JsonNode remoteDoc = new ObjectMapper().readTree(remote.out());
    assertThat(remoteDoc.get("runs").get(0).get("reason").asText()).contains("no pool named nope");
  }
}
