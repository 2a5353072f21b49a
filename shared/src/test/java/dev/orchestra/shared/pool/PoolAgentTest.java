package dev.orchestra.shared.pool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.run.InvalidWorkloadException;
import dev.orchestra.shared.run.ResultMessage;
import dev.orchestra.shared.run.Workload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool agent's launch settings and user data, and the real user data, agent and reporter
 * scripts run under {@code /bin/sh} with fake {@code aws} and {@code docker} first on the PATH that
 * record every call (the fake docker plays the training wrapper: it writes the files the run's
 * folder gets).
 */
class PoolAgentTest {
  static final Duration DEADLINE = Duration.ofSeconds(40);
  static final String END = "<<end-of-call>>";
  static final ObjectMapper JSON = new ObjectMapper();
  static final PoolAgent.Settings SETTINGS =
      new PoolAgent.Settings(
          "http://localhost/q/orchestra-pool-gpu",
          "http://localhost/q/results",
          "bkt",
          "us-east-1",
          2,
          1);

  static final String INSTANCE_ID = "i-0123456789abcdef0";

  @TempDir Path tmp;
  Path bin;
  Path root;
  HttpServer imds;
  final List<String> imdsCalls = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * A fake instance metadata service that answers as IMDSv2 does when tokens are required: PUT
   * /latest/api/token (with a TTL header) gives a token, and metadata is served only to requests
   * carrying it (401 otherwise).
   */
  @BeforeEach
  void metadataService() throws IOException {
    imds = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    imds.createContext(
        "/",
        x -> {
          try (x) {
            String token = x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            String ttl = x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
            imdsCalls.add(x.getRequestMethod() + " " + x.getRequestURI().getPath());
            byte[] body;
            int status;
            if (x.getRequestMethod().equals("PUT")
                && x.getRequestURI().getPath().equals("/latest/api/token")
                && ttl != null) {
              status = 200;
              body = "imds-token-1".getBytes(UTF_8);
            } else if (x.getRequestMethod().equals("GET")
                && x.getRequestURI().getPath().equals("/latest/meta-data/instance-id")
                && "imds-token-1".equals(token)) {
              status = 200;
              body = INSTANCE_ID.getBytes(UTF_8);
            } else {
              status = 401;
              body = new byte[0];
            }
            x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
              x.getResponseBody().write(body);
            }
          }
        });
    imds.start();
  }

  @AfterEach
  void stopMetadataService() {
    imds.stop(0);
  }

  static PoolConfig pool(List<String> setup) {
    return new PoolConfig(
        "gpu",
        List.of("g5.xlarge"),
        true,
        false,
        2,
        10,
        "ami-0123abcd",
        null,
        "gp3",
        100,
        List.of(),
        null,
        setup);
  }

  static Workload workload(int gpus) {
    return new Workload(
        "mnist-0123abcd",
        "mnist-0123abcd-r00007",
        2,
        "n0nce-secret",
        Map.of("lr", 0.1, "optimizer", "adam"),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/mnist:1",
        "python train.py --epochs 'two words'",
        Map.of(),
        Map.of(),
        gpus,
        null,
        null);
  }

  @BeforeEach
  void fakes() throws IOException {
    bin = Files.createDirectory(tmp.resolve("bin"));
    root = Files.createDirectory(tmp.resolve("root"));
    script(
        "aws",
        "{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo '"
            + END
            + "'; } >> \"$FAKE_AWS_LOG\"\n"
            + "case \"$1 $2\" in\n"
            + "  'sqs receive-message')\n"
            + "    if [ -f \"$FAKE_WORK\" ]; then cat \"$FAKE_WORK\"; mv \"$FAKE_WORK\""
            + " \"$FAKE_WORK.taken\"; else sleep 1; echo None; fi ;;\n"
            + "  'sqs send-message') echo fake-message-id ;;\n"
            + "  'ecr get-login-password') echo pw ;;\n"
            + "esac\n");
    script(
        "docker",
        "{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo '"
            + END
            + "'; } >> \"$FAKE_DOCKER_LOG\"\n"
            + "[ \"$1\" = login ] && { cat > /dev/null; exit 0; }\n"
            + "[ \"$1\" = run ] || exit 0\n"
            + "[ -n \"${FAKE_DOCKER_FAIL:-}\" ] && { echo 'pull access denied for mnist' >&2;"
            + " exit 125; }\n"
            + "while [ $# -gt 0 ]; do\n"
            + "  case $1 in\n"
            + "    --env-file) cp \"$2\" \"$FAKE_ENV_COPY\"; shift ;;\n"
            + "    --volume) dir=${2%%:*}; shift ;;\n"
            + "  esac\n"
            + "  shift\n"
            + "done\n"
            + ": > \"$dir/started\"\n"
            + "echo 'epoch 1 loss 0.25' > \"$dir/output.log\"\n"
            + "printf '{\"loss\": 0.25}' > \"$dir/metrics.json\"\n"
            + "echo 0 > \"$dir/exit_code\"\n"
            + "echo container-id\n");
  }

  private void script(String name, String body) throws IOException {
    Path p = bin.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Runs the user data as cloud-init would (as a script), with the fakes and a temp root. */
  Process boot(PoolConfig pool, Workload work, Map<String, String> extraEnv) throws Exception {
    Path userData = tmp.resolve("user-data");
    try (var in =
        new GZIPInputStream(new ByteArrayInputStream(PoolAgent.userData(pool, SETTINGS)))) {
      Files.write(userData, in.readAllBytes());
    }
    if (work != null) {
      Files.writeString(tmp.resolve("work"), "receipt-1\t" + PoolWorkItem.encode(work) + "\n");
    }
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", userData.toString());
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("ORCHESTRA_ROOT", root.toString());
    env.put("ORCHESTRA_SHUTDOWN_COMMAND", "touch " + tmp.resolve("shut-down"));
    env.put("ORCHESTRA_RECEIVE_WAIT_SECONDS", "1");
    env.put("FAKE_AWS_LOG", tmp.resolve("aws.log").toString());
    env.put("FAKE_DOCKER_LOG", tmp.resolve("docker.log").toString());
    env.put("FAKE_WORK", tmp.resolve("work").toString());
    env.put("FAKE_ENV_COPY", tmp.resolve("training.env").toString());
    env.put("ORCHESTRA_METADATA_URL", "http://127.0.0.1:" + imds.getAddress().getPort());
    env.putAll(extraEnv);
    pb.redirectErrorStream(true).redirectOutput(tmp.resolve("user-data.out").toFile());
    return pb.start();
  }

  /** Waits (polling, with a deadline) until the agent has shut the instance down. */
  void awaitShutdown() throws Exception {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (!Files.exists(tmp.resolve("shut-down"))) {
      assertThat(Instant.now()).as("agent log: %s", agentLog()).isBefore(deadline);
      Thread.sleep(100);
    }
  }

  String agentLog() throws IOException {
    Path log = root.resolve("var/log/orchestra-agent.log");
    return Files.exists(log) ? Files.readString(log) : "(none)";
  }

  static List<List<String>> calls(Path log) throws IOException {
    List<List<String>> calls = new ArrayList<>();
    if (!Files.exists(log)) {
      return calls;
    }
    List<String> current = new ArrayList<>();
    for (String line : Files.readAllLines(log, UTF_8)) {
      if (line.equals(END)) {
        calls.add(current);
        current = new ArrayList<>();
      } else {
        current.add(line);
      }
    }
    return calls;
  }

  List<String> sentBodies() throws IOException {
    List<String> out = new ArrayList<>();
    for (List<String> call : calls(tmp.resolve("aws.log"))) {
      if (call.get(1).equals("send-message")) {
        assertThat(call.get(call.indexOf("--queue-url") + 1))
            .isEqualTo("http://localhost/q/results");
        out.add(call.get(call.indexOf("--message-body") + 1));
      }
    }
    return out;
  }

  /** The carrier's messages (the reporter's). */
  List<ResultMessage> sent() throws IOException {
    List<ResultMessage> out = new ArrayList<>();
    for (String body : sentBodies()) {
      if (!JSON.readTree(body).path("kind").asText().equals(AgentReport.KIND)) {
        out.add(JSON.readValue(body, ResultMessage.class));
      }
    }
    return out;
  }

  /** The agent's own reports, in the order sent. */
  List<AgentReport> agentReports() throws IOException {
    List<AgentReport> out = new ArrayList<>();
    for (String body : sentBodies()) {
      if (JSON.readTree(body).path("kind").asText().equals(AgentReport.KIND)) {
        out.add(JSON.readValue(body, AgentReport.class));
      }
    }
    return out;
  }

  List<String> dockerRun() throws IOException {
    return calls(tmp.resolve("docker.log")).stream()
        .filter(c -> c.get(0).equals("run"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void agent_runsTheWorkItemWithTheRunContractAndGpus_carriesItsResult_thenShutsDownWhenIdle()
      throws Exception {
    Process p =
        boot(pool(List.of("echo ready > \"$ORCHESTRA_ROOT/setup-ran\"")), workload(1), Map.of());
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("user-data.out"))).isZero();
    awaitShutdown();
    assertThat(root.resolve("setup-ran")).exists();

    // The image, with every GPU, the run's folder mounted where the Job mounts it, never the
    // host network.
    List<String> run = dockerRun();
    assertThat(run)
        .contains("--gpus", "all", "--env-file", "--entrypoint", "/bin/sh")
        .contains("123456789012.dkr.ecr.us-east-1.amazonaws.com/mnist:1")
        .doesNotContain("--network", "--net", "host", "--privileged");
    assertThat(run.get(run.indexOf("--volume") + 1))
        .endsWith("/mnist-0123abcd-r00007-a2:/orchestra");
    assertThat(run.get(run.size() - 1)).isEqualTo("python train.py --epochs 'two words'");
    assertThat(String.join("\n", run)).contains("echo \"$code\" > /orchestra/exit_code");
    // The run contract's environment, without the nonce.
    String env = Files.readString(tmp.resolve("training.env"));
    assertThat(env.lines())
        .contains(
            "ORCHESTRA_EXPERIMENT_ID=mnist-0123abcd",
            "ORCHESTRA_RUN_ID=mnist-0123abcd-r00007",
            "ORCHESTRA_ASSIGNMENTS={\"lr\":0.1,\"optimizer\":\"adam\"}",
            "ORCHESTRA_PARAM_LR=0.1",
            "ORCHESTRA_PARAM_OPTIMIZER=adam",
            "ORCHESTRA_METRICS_FILE=/orchestra/metrics.json");
    assertThat(env).doesNotContain("n0nce-secret").doesNotContain("ORCHESTRA_NONCE");
    // A private ECR image: logged in to its registry first.
    assertThat(calls(tmp.resolve("docker.log")).get(0))
        .containsExactly(
            "login",
            "--username",
            "AWS",
            "--password-stdin",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com");

    List<List<String>> aws = calls(tmp.resolve("aws.log"));
    assertThat(aws.stream().filter(c -> c.get(1).equals("receive-message")).findFirst())
        .get()
        .satisfies(
            c ->
                assertThat(c)
                    .startsWith(
                        "sqs",
                        "receive-message",
                        "--queue-url",
                        "http://localhost/q/orchestra-pool-gpu"));
    assertThat(aws)
        .anySatisfy(
            c ->
                assertThat(c)
                    .containsExactly(
                        "sqs",
                        "delete-message",
                        "--queue-url",
                        "http://localhost/q/orchestra-pool-gpu",
                        "--receipt-handle",
                        "receipt-1"));
    // Heartbeat(s) and one result, with the nonce, exactly as the reporter sends them.
    List<ResultMessage> sent = sent();
    assertThat(sent).allSatisfy(m -> assertThat(m.nonce()).isEqualTo("n0nce-secret"));
    assertThat(sent).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(2));
    ResultMessage result = sent.get(sent.size() - 1);
    assertThat(result.kind()).isEqualTo(ResultMessage.Kind.RESULT);
    assertThat(result.exitCode()).isZero();
    assertThat(result.metrics()).isEqualTo(Map.of("loss", 0.25));
    assertThat(result.outputTail()).isEqualTo("epoch 1 loss 0.25");
    assertThat(aws)
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith("s3", "cp")
                    .contains("s3://bkt/runs/mnist-0123abcd/mnist-0123abcd-r00007/a2/output.log"));
    // The run's folder is gone; the agent polled again before shutting down.
    assertThat(root.resolve("var/lib/orchestra/runs/mnist-0123abcd-r00007-a2")).doesNotExist();
    assertThat(aws.stream().filter(c -> c.get(1).equals("receive-message")).count())
        .isGreaterThan(1);
    assertThat(agentLog()).contains("no work for 2s: shutting the instance down");
  }

  @Test
  void agent_reportsIdleBusyIdle_withItsImdsV2InstanceId_andEveryHeartbeatWhileIdle()
      throws Exception {
    Process p = boot(pool(List.of()), workload(1), Map.of());
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    awaitShutdown();
    // A session token first, then the id with it (the fake refuses metadata without a token).
    assertThat(imdsCalls).startsWith("PUT /latest/api/token", "GET /latest/meta-data/instance-id");
    List<AgentReport> reports = agentReports();
    assertThat(reports).allSatisfy(r -> assertThat(r.instanceId()).isEqualTo(INSTANCE_ID));
    assertThat(reports).allSatisfy(r -> assertThat(r.pool()).isEqualTo("gpu"));
    assertThat(reports).allSatisfy(r -> assertThat(r.version()).isEqualTo(AgentReport.VERSION));
    // Later reports win in the store, so "at" must strictly increase.
    for (int i = 1; i < reports.size(); i++) {
      assertThat(reports.get(i).at()).isGreaterThan(reports.get(i - 1).at());
    }
    int firstBusy = -1;
    for (int i = 0; i < reports.size(); i++) {
      if (reports.get(i).busy()) {
        firstBusy = firstBusy < 0 ? i : firstBusy;
      }
    }
    assertThat(firstBusy).as("reports: %s", reports).isPositive();
    assertThat(reports.get(0).state()).isEqualTo(AgentReport.IDLE);
    AgentReport busy = reports.get(firstBusy);
    assertThat(busy.experimentId()).isEqualTo("mnist-0123abcd");
    assertThat(busy.runId()).isEqualTo("mnist-0123abcd-r00007");
    assertThat(busy.attempt()).isEqualTo(2);
    // Busy before the run's first message, idle again after its result.
    List<String> bodies = sentBodies();
    int busyAt = -1;
    int resultAt = -1;
    int idleAfter = -1;
    for (int i = 0; i < bodies.size(); i++) {
      var tree = JSON.readTree(bodies.get(i));
      String kind = tree.path("kind").asText();
      if (busyAt < 0 && kind.equals("agent") && tree.path("state").asText().equals("busy")) {
        busyAt = i;
      } else if (kind.equals("result")) {
        resultAt = i;
      } else if (resultAt >= 0
          && idleAfter < 0
          && kind.equals("agent")
          && tree.path("state").asText().equals("idle")) {
        idleAfter = i;
      }
    }
    assertThat(busyAt).as("bodies: %s", bodies).isNotNegative().isLessThan(resultAt);
    assertThat(idleAfter).as("bodies: %s", bodies).isGreaterThan(resultAt);
    AgentReport lastIdle = reports.get(reports.size() - 1);
    assertThat(lastIdle.busy()).isFalse();
    assertThat(lastIdle.since()).isGreaterThanOrEqualTo(busy.since());
    // The 2 s idle timeout after the run spans two 1 s heartbeat periods: a repeated idle report.
    assertThat(reports.subList(firstBusy, reports.size()).stream().filter(r -> !r.busy()).count())
        .isGreaterThanOrEqualTo(2);
    // The reports carry no nonce.
    assertThat(bodies.stream().filter(b -> b.contains("\"kind\":\"agent\"")))
        .noneMatch(b -> b.contains("n0nce-secret"));
  }

  @Test
  void agent_withoutAMetadataService_runsTheWorkAndSendsNoReports() throws Exception {
    Process p =
        boot(pool(List.of()), workload(0), Map.of("ORCHESTRA_METADATA_URL", "http://127.0.0.1:9"));
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    awaitShutdown();
    assertThat(agentReports()).isEmpty();
    assertThat(sent().get(sent().size() - 1).exitCode()).isZero();
    assertThat(agentLog()).contains("could not read the instance id");
  }

  @Test
  void agent_withoutGpus_passesNoGpuFlag() throws Exception {
    Process p = boot(pool(List.of()), workload(0), Map.of());
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    awaitShutdown();
    assertThat(dockerRun()).doesNotContain("--gpus");
    assertThat(sent().get(sent().size() - 1).exitCode()).isZero();
  }

  @Test
  void agent_whenTheImageCannotStart_reportsExitCode125WithDockersError() throws Exception {
    Process p = boot(pool(List.of()), workload(1), Map.of("FAKE_DOCKER_FAIL", "1"));
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    awaitShutdown();
    ResultMessage result = sent().get(sent().size() - 1);
    assertThat(result.exitCode()).isEqualTo(125);
    assertThat(result.metrics()).isNull();
    assertThat(result.outputTail())
        .contains("could not be started")
        .contains("pull access denied for mnist");
  }

  @Test
  void userData_whenASetupCommandFails_shutsDownWithoutStartingTheAgent() throws Exception {
    Process p = boot(pool(List.of("true", "false", "echo never")), null, Map.of());
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(tmp.resolve("shut-down")).exists();
    assertThat(Files.readString(tmp.resolve("user-data.out"))).contains("setup_cmds failed");
    assertThat(calls(tmp.resolve("aws.log"))).isEmpty();
  }

  @Test
  void launchSettings_requireImdsV2WithHopLimitOneAndTerminateOnShutdown() {
    assertThat(PoolAgent.METADATA.httpTokens()).isEqualTo("required");
    assertThat(PoolAgent.METADATA.httpPutResponseHopLimit()).isEqualTo(1);
    assertThat(PoolAgent.METADATA.httpEndpoint()).isEqualTo("enabled");
    assertThat(PoolAgent.SHUTDOWN_BEHAVIOR).isEqualTo("terminate");
    assertThat(PoolAgent.tags(pool(List.of()))).containsEntry("orchestra:pool", "gpu");
    assertThat(PoolAgent.workQueueName("gpu")).isEqualTo("orchestra-pool-gpu");
    assertThat(PoolAgent.instanceRoleName("a".repeat(40))).hasSizeLessThanOrEqualTo(64);
  }

  @Test
  void userData_isGzippedUnderEc2sLimit_andTheSameForTheSameInputs() throws Exception {
    List<String> setup = List.of("x".repeat(8000));
    byte[] a = PoolAgent.userData(pool(setup), SETTINGS);
    assertThat(a).hasSizeLessThan(PoolAgent.MAX_USER_DATA_BYTES);
    assertThat(a[0]).isEqualTo((byte) 0x1f);
    assertThat(PoolAgent.userData(pool(setup), SETTINGS)).isEqualTo(a);
    String script = PoolAgent.userDataScript(pool(List.of("nvidia-smi")), SETTINGS);
    assertThat(script)
        .startsWith("#!/bin/sh\n")
        .contains("export ORCHESTRA_IDLE_TIMEOUT_SECONDS='2'")
        .contains("export ORCHESTRA_WORK_QUEUE_URL='http://localhost/q/orchestra-pool-gpu'")
        .contains("\nnvidia-smi\n")
        .doesNotContain("export ORCHESTRA_NONCE");
  }

  @Test
  void userData_thatCannotFit_isRefusedNamingThePool() {
    Random r = new Random(7);
    StringBuilder noise = new StringBuilder();
    for (int i = 0; i < 30_000; i++) {
      noise.append((char) ('a' + r.nextInt(26)));
    }
    assertThatThrownBy(() -> PoolAgent.userData(pool(List.of(noise.toString())), SETTINGS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pool gpu")
        .hasMessageContaining("shorten setup_cmds");
  }

  @Test
  void workItem_roundTrips_andKeepsTheNonceOutOfTheTrainingEnvironment() {
    String line = PoolWorkItem.encode(workload(2));
    assertThat(line).startsWith("orchestra-work v1 ").doesNotContain("\n").doesNotContain("\t");
    PoolWorkItem.Item item = PoolWorkItem.decode(line);
    assertThat(item.runId()).isEqualTo("mnist-0123abcd-r00007");
    assertThat(item.attempt()).isEqualTo(2);
    assertThat(item.nonce()).isEqualTo("n0nce-secret");
    assertThat(item.gpus()).isEqualTo(2);
    assertThat(item.command()).isEqualTo("python train.py --epochs 'two words'");
    assertThat(item.env())
        .containsEntry("ORCHESTRA_PARAM_OPTIMIZER", "adam")
        .doesNotContainKey("ORCHESTRA_NONCE")
        .doesNotContainValue("n0nce-secret");
  }

  @Test
  void workItem_refusesWhatThePoolCannotCarry() {
    Workload withCredentials =
        new Workload(
            "e", "e-r1", 1, "n", Map.of(), "img", "cmd", Map.of(), Map.of(), 0, "secret", null);
    assertThatThrownBy(() -> PoolWorkItem.encode(withCredentials))
        .isInstanceOf(InvalidWorkloadException.class)
        .hasMessageContaining("not supported on EC2 pools");
    Workload lineBreak =
        new Workload(
            "e",
            "e-r1",
            1,
            "n",
            Map.of("s", "a\nb"),
            "img",
            "cmd",
            Map.of(),
            Map.of(),
            0,
            null,
            null);
    assertThatThrownBy(() -> PoolWorkItem.encode(lineBreak))
        .isInstanceOf(InvalidWorkloadException.class)
        .hasMessageContaining("line break");
  }
}
