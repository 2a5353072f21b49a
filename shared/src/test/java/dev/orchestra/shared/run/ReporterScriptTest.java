package dev.orchestra.shared.run;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real reporter script (and the training wrapper) under {@code /bin/sh}, with a fake
 * {@code aws} first on the PATH that records every call's arguments.
 */
class ReporterScriptTest {

  static final Duration DEADLINE = Duration.ofSeconds(30);
  static final String END = "<<end-of-call>>";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path dir;
  Path bin;
  Path awsLog;

  @BeforeEach
  void fakeAws() throws IOException {
    dir = Files.createDirectory(tmp.resolve("orchestra"));
    bin = Files.createDirectory(tmp.resolve("bin"));
    awsLog = tmp.resolve("aws-calls.log");
    Files.createFile(awsLog);
    Path aws = bin.resolve("aws");
    Files.writeString(
        aws,
        "#!/bin/sh\n"
            + "{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo '"
            + END
            + "'; } >> \"$FAKE_AWS_LOG\"\n"
            + "if [ \"$1\" = s3 ]; then wc -c < \"$3\" | tr -d ' ' >> \"$FAKE_AWS_LOG.sizes\"; fi\n"
            + "if [ \"$1\" = sqs ]; then echo fake-message-id; fi\n");
    Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  ProcessBuilder reporter(Map<String, String> extraEnv) {
    ProcessBuilder pb =
        new ProcessBuilder(
            "/bin/sh", "-c", KubernetesJobFactory.reporterScript(), "orchestra-reporter");
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("FAKE_AWS_LOG", awsLog.toString());
    env.put("ORCHESTRA_DIR", dir.toString());
    env.put("ORCHESTRA_EXPERIMENT_ID", "mnist-0123abcd");
    env.put("ORCHESTRA_RUN_ID", "mnist-0123abcd-r00007");
    env.put("ORCHESTRA_ATTEMPT", "2");
    env.put("ORCHESTRA_NONCE", "n0nce");
    env.put("ORCHESTRA_RESULTS_QUEUE_URL", "http://localhost/q/results");
    env.put("ORCHESTRA_BUCKET", "bkt");
    env.put("ORCHESTRA_HEARTBEAT_SECONDS", "1");
    env.put("ORCHESTRA_POLL_SECONDS", "1");
    env.putAll(extraEnv);
    pb.redirectOutput(tmp.resolve("reporter.out").toFile());
    pb.redirectError(tmp.resolve("reporter.err").toFile());
    return pb;
  }

  int runToEnd(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS))
        .as("reporter finished; stderr: %s", Files.readString(tmp.resolve("reporter.err")))
        .isTrue();
    return p.exitValue();
  }

  List<List<String>> calls() throws IOException {
    List<List<String>> calls = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : Files.readAllLines(awsLog, UTF_8)) {
      if (line.equals(END)) {
        calls.add(current);
        current = new ArrayList<>();
      } else {
        current.add(line);
      }
    }
    return calls;
  }

  List<ResultMessage> messages(String kind) throws IOException {
    List<ResultMessage> out = new ArrayList<>();
    for (List<String> call : calls()) {
      if (call.get(0).equals("sqs")) {
        assertThat(call.subList(0, 4))
            .containsExactly("sqs", "send-message", "--queue-url", "http://localhost/q/results");
        String body = call.get(call.indexOf("--message-body") + 1);
        ResultMessage m = JSON.readValue(body, ResultMessage.class);
        if (m.kind().wire().equals(kind)) {
          out.add(m);
        }
      }
    }
    return out;
  }

  @Test
  void finishedRun_sendsOneResult_withExitCodeMetricsAndEscapedTail_andUploadsOutput()
      throws Exception {
    String lines =
        IntStream.rangeClosed(1, 60).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"));
    String tricky = "quote \" backslash \\ tab \t bell \u0007 accents é 漢字 percent %s";
    Files.writeString(dir.resolve("output.log"), lines + "\n" + tricky + "\n", UTF_8);
    Files.writeString(dir.resolve("metrics.json"), "{\"accuracy\": 0.93,\n \"loss\": NaN}\n");
    Files.writeString(dir.resolve("started"), "");
    Files.writeString(dir.resolve("exit_code"), "3\n");

    assertThat(runToEnd(reporter(Map.of()))).isZero();

    assertThat(messages("heartbeat")).isEmpty();
    ResultMessage result = messages("result").get(0);
    assertThat(messages("result")).hasSize(1);
    assertThat(result.version()).isEqualTo(1);
    assertThat(result.experimentId()).isEqualTo("mnist-0123abcd");
    assertThat(result.runId()).isEqualTo("mnist-0123abcd-r00007");
    assertThat(result.attempt()).isEqualTo(2);
    assertThat(result.nonce()).isEqualTo("n0nce");
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.metrics()).isEqualTo(Map.of("accuracy", 0.93, "loss", "NaN"));
    String tail = result.outputTail();
    assertThat(tail.split("\n")).hasSize(50);
    assertThat(tail).startsWith("line 12\n").endsWith(tricky.replace("\u0007", ""));
    assertThat(calls())
        .contains(
            List.of(
                "s3",
                "cp",
                dir.resolve("output.log").toString(),
                "s3://bkt/runs/mnist-0123abcd/mnist-0123abcd-r00007/a2/output.log",
                "--only-show-errors",
                "--content-type",
                "text/plain; charset=utf-8",
                "--metadata",
                "orchestra-output=final"));
    assertThat(RunStorage.outputKey("mnist-0123abcd", "mnist-0123abcd-r00007", 2))
        .as("the key the reporter uploads to")
        .isEqualTo("runs/mnist-0123abcd/mnist-0123abcd-r00007/a2/output.log");
  }

  @Test
  void wrapperAndReporter_together_heartbeatWhileTrainingRuns_thenReportItsExitCode()
      throws Exception {
    // The "user command": waits until the reporter has sent a heartbeat, writes metrics, fails.
    String command =
        "echo starting; until grep -q heartbeat \"$FAKE_AWS_LOG\"; do sleep 0.1; done;"
            + " printf '{\"accuracy\": 0.5}' > \"$ORCHESTRA_METRICS_FILE\"; echo bye >&2; exit 7";
    ProcessBuilder training =
        new ProcessBuilder(
            "/bin/sh",
            "-c",
            KubernetesJobFactory.trainingWrapper(dir.toString()),
            "orchestra-training",
            command);
    training.environment().put("FAKE_AWS_LOG", awsLog.toString());
    training.environment().put("ORCHESTRA_METRICS_FILE", dir.resolve("metrics.json").toString());
    training.redirectErrorStream(true).redirectOutput(tmp.resolve("training.out").toFile());

    Process reporterProcess = reporter(Map.of()).start();
    Process trainingProcess = training.start();

    assertThat(trainingProcess.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(trainingProcess.exitValue())
        .as("the wrapper keeps the user's exit code")
        .isEqualTo(7);
    assertThat(Files.readString(dir.resolve("exit_code")).trim()).isEqualTo("7");
    assertThat(reporterProcess.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(reporterProcess.exitValue()).isZero();

    List<ResultMessage> heartbeats = messages("heartbeat");
    assertThat(heartbeats).isNotEmpty();
    assertThat(heartbeats.get(0))
        .isEqualTo(ResultMessage.heartbeat("mnist-0123abcd", "mnist-0123abcd-r00007", 2, "n0nce"));
    ResultMessage result = messages("result").get(0);
    assertThat(result.exitCode()).isEqualTo(7);
    assertThat(result.metrics()).isEqualTo(Map.of("accuracy", 0.5));
    assertThat(result.outputTail()).isEqualTo("starting\nbye");
    // The training output also reaches the reporter's own log.
    assertThat(Files.readString(tmp.resolve("reporter.out"))).contains("starting");
  }

  List<List<String>> uploads(String state) throws IOException {
    return calls().stream()
        .filter(c -> c.get(0).equals("s3") && c.contains("orchestra-output=" + state))
        .toList();
  }

  List<Long> uploadedSizes() throws IOException {
    Path sizes = Path.of(awsLog + ".sizes");
    if (!Files.exists(sizes)) {
      return List.of();
    }
    return Files.readAllLines(sizes).stream().map(Long::parseLong).toList();
  }

  <T> T poll(String what, java.util.concurrent.Callable<T> probe) throws Exception {
    java.time.Instant deadline = java.time.Instant.now().plus(DEADLINE);
    while (true) {
      T value = probe.call();
      if (value != null && !Boolean.FALSE.equals(value)) {
        return value;
      }
      assertThat(java.time.Instant.now()).as(what).isBefore(deadline);
      Thread.sleep(50); // polling a file the reporter writes, bounded by the deadline
    }
  }

  @Test
  void runningTraining_outputIsUploadedPartiallyWhenItGrew_cappedAtTheLimit_thenWholeAndFinal()
      throws Exception {
    Path output = dir.resolve("output.log");
    Files.writeString(dir.resolve("started"), "");
    Files.writeString(output, "hello\n");
    Process reporterProcess = reporter(Map.of("ORCHESTRA_PARTIAL_OUTPUT_BYTES", "10")).start();
    try {
      poll("a first partial upload", () -> uploads("partial").size() == 1);
      Files.writeString(output, "0123456789\n", java.nio.file.StandardOpenOption.APPEND);
      poll("a second partial upload", () -> uploads("partial").size() == 2);
      int heartbeats = messages("heartbeat").size();
      poll("two more heartbeats", () -> messages("heartbeat").size() >= heartbeats + 2);
      Files.writeString(dir.resolve("metrics.json"), "{\"accuracy\": 1}");
      Files.writeString(dir.resolve("exit_code"), "0\n");
      assertThat(reporterProcess.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    } finally {
      reporterProcess.destroyForcibly();
    }

    String url = "s3://bkt/runs/mnist-0123abcd/mnist-0123abcd-r00007/a2/output.log";
    assertThat(uploads("partial"))
        .as("output that did not grow past the limit is not uploaded again")
        .hasSize(2)
        .allSatisfy(c -> assertThat(c).contains(url));
    assertThat(uploads("final")).hasSize(1);
    assertThat(uploads("final").get(0)).contains(output.toString(), url);
    assertThat(uploadedSizes())
        .as("6 bytes, then capped at 10, then all 17")
        .containsExactly(6L, 10L, 17L);
    assertThat(messages("result").get(0).exitCode()).isZero();
  }

  @Test
  void partialOutputLimit_isRunStoragesLimit() {
    assertThat(KubernetesJobFactory.reporterScript())
        .contains("ORCHESTRA_PARTIAL_OUTPUT_BYTES:-" + RunStorage.PARTIAL_OUTPUT_LIMIT + "}");
  }

  @Test
  void metricsThatAreNotAFlatObjectOfNumbers_giveNullMetrics_andSayWhy() throws Exception {
    Files.writeString(dir.resolve("output.log"), "trained\n");
    Files.writeString(dir.resolve("metrics.json"), "{\"accuracy\": }");
    Files.writeString(dir.resolve("started"), "");
    Files.writeString(dir.resolve("exit_code"), "0\n");

    assertThat(runToEnd(reporter(Map.of()))).isZero();

    ResultMessage result = messages("result").get(0);
    assertThat(result.exitCode()).isZero();
    assertThat(result.metrics()).isNull();
    assertThat(result.outputTail())
        .isEqualTo(
            "trained\norchestra: the metrics file is not one JSON object of metric name to number");
  }

  @Test
  void missingMetricsFile_isSaidInTheTail() throws Exception {
    Files.writeString(dir.resolve("started"), "");
    Files.writeString(dir.resolve("exit_code"), "0\n");

    assertThat(runToEnd(reporter(Map.of()))).isZero();

    ResultMessage result = messages("result").get(0);
    assertThat(result.metrics()).isNull();
    assertThat(result.outputTail()).contains("wrote no metrics file");
    assertThat(calls()).noneMatch(c -> c.get(0).equals("s3"));
  }

  @Test
  void trainingThatNeverStarts_isReportedAfterTheStartTimeout() throws Exception {
    assertThat(runToEnd(reporter(Map.of("ORCHESTRA_START_TIMEOUT_SECONDS", "1")))).isZero();

    assertThat(messages("heartbeat")).isNotEmpty();
    ResultMessage result = messages("result").get(0);
    assertThat(result.exitCode()).isEqualTo(125);
    assertThat(result.metrics()).isNull();
    assertThat(result.outputTail()).contains("did not start within 1s");
  }

  @Test
  void wrapper_passesTermToTheCommand_andRecordsTheCommandsExitCode() throws Exception {
    String command = "trap 'echo got-term; exit 9' TERM; echo ready; while :; do sleep 0.1; done";
    Process training =
        new ProcessBuilder(
                "/bin/sh",
                "-c",
                KubernetesJobFactory.trainingWrapper(dir.toString()),
                "orchestra-training",
                command)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("training.out").toFile())
            .start();
    Path output = dir.resolve("output.log");
    java.time.Instant deadline = java.time.Instant.now().plus(DEADLINE);
    while (!(Files.exists(output) && Files.readString(output).contains("ready"))) {
      assertThat(java.time.Instant.now()).as("command started").isBefore(deadline);
      Thread.sleep(20); // polling the file, bounded by the deadline
    }

    training.destroy(); // SIGTERM to the wrapper, as the kubelet sends it to PID 1

    assertThat(training.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(training.exitValue()).isEqualTo(9);
    assertThat(Files.readString(dir.resolve("exit_code")).trim()).isEqualTo("9");
    assertThat(Files.readString(output)).contains("got-term");
  }
}
