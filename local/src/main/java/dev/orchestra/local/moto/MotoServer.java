package dev.orchestra.local.moto;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The moto server, started through Orchestra's launcher script ({@code moto_launcher.py}, shipped
 * in this module and extracted at run time), which patches moto's Step Functions engine before the
 * server starts: see the script's header. The engine's own service calls go to {@code MOTO_PORT},
 * which is set to the router's port; moto itself listens on its own port ({@code --port}).
 */
public final class MotoServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MotoServer.class);
  private static final String LAUNCHER = "moto_launcher.py";
  private static final String INSTALL_HINT =
      "python3 was not found (install Python 3 and `pip install \"moto[server]\"`, or set"
          + " ORCHESTRA_PYTHON); ";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final int port;
  private final Process process;
  private final Path logFile;

  private MotoServer(int port, Process process, Path logFile) {
    this.port = port;
    this.process = process;
    this.logFile = logFile;
  }

  /** Options for starting moto. */
  public record Launch(
      String python,
      int port,
      int routerPort,
      Path workDir,
      Path logFile,
      boolean detached,
      long watchPid) {}

  /**
   * Starts moto and waits until it answers and executes state machines.
   *
   * @throws MotoUnavailableException when python3 or moto's server extras are missing, or it does
   *     not come up in time
   */
  public static MotoServer start(Launch launch, Duration timeout) throws IOException {
    MotoServer server = launch(launch);
    server.awaitReady(timeout);
    return server;
  }

  /**
   * Starts moto without waiting; call {@link #awaitReady(Duration)} before using it (meanwhile the
   * caller can start other things: moto takes seconds to import).
   */
  public static MotoServer launch(Launch launch) throws IOException {
    Path script = extractLauncher(launch.workDir());
    List<String> command = new ArrayList<>();
    if (launch.detached() && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add(
          "/usr/bin/setsid"); // its own session: a Ctrl-C in the caller's terminal spares it
    }
    command.addAll(
        List.of(launch.python(), script.toString(), "--port", Integer.toString(launch.port())));
    if (launch.watchPid() > 0) {
      command.addAll(List.of("--watch-pid", Long.toString(launch.watchPid())));
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("MOTO_PORT", Integer.toString(launch.routerPort()));
    pb.environment().put("PYTHONUNBUFFERED", "1");
    // AWS managed policies (AmazonEKSClusterPolicy, ...) exist in every real account.
    pb.environment().put("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(launch.logFile().toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new MotoUnavailableException(
          "cannot start "
              + launch.python()
              + " ("
              + e.getMessage()
              + "); install Python 3 and"
              + " `pip install \"moto[server]\"`, or set ORCHESTRA_PYTHON to a python3 that has it");
    }
    return new MotoServer(launch.port(), process, launch.logFile());
  }

  /** A handle on a moto server started elsewhere (by {@code orchestra local up}). */
  public static MotoServer attach(int port, Duration timeout) throws IOException {
    MotoServer server = new MotoServer(port, null, null);
    server.awaitReady(timeout);
    return server;
  }

  public int port() {
    return port;
  }

  public Optional<Long> pid() {
    return Optional.ofNullable(process).map(Process::pid);
  }

  /** True when something answers on the port as moto. */
  public static boolean answers(int port) {
    try {
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/moto-api/config"))
                  .timeout(Duration.ofSeconds(2))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() / 100 == 2;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Polls until moto answers, then turns on state-machine execution; a moto this handle started is
   * stopped when it does not come up.
   */
  public void awaitReady(Duration timeout) throws IOException {
    try {
      pollReady(timeout);
    } catch (RuntimeException | IOException e) {
      close();
      throw e;
    }
  }

  private void pollReady(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!answers(port)) {
      if (process != null && !process.isAlive()) {
        throw new MotoUnavailableException(
            (process.exitValue() == 127 ? INSTALL_HINT : "")
                + "moto exited with code "
                + process.exitValue()
                + " before it was ready: "
                + lastLines(logFile));
      }
      if (System.nanoTime() > deadline) {
        throw new MotoUnavailableException(
            "moto did not answer on port "
                + port
                + " within "
                + timeout.toSeconds()
                + " s: "
                + lastLines(logFile));
      }
      pause(Duration.ofMillis(100));
    }
    enableExecution();
  }

  private void enableExecution() throws IOException {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/moto-api/config"))
                  .timeout(Duration.ofSeconds(5))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"stepfunctions\":{\"execute_state_machine\":true}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new MotoUnavailableException(
            "moto refused its configuration: HTTP " + r.statusCode() + " " + r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // polling a port that has no event to wait on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MotoUnavailableException("interrupted while waiting for moto");
    }
  }

  private static String lastLines(Path logFile) {
    if (logFile == null || !Files.exists(logFile)) {
      return "(no log)";
    }
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    } catch (IOException e) {
      return "(log unreadable)";
    }
  }

  /** Writes the launcher script into {@code dir} and returns its path. */
  public static Path extractLauncher(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path script = dir.resolve(LAUNCHER);
    try (InputStream in = MotoServer.class.getResourceAsStream(LAUNCHER)) {
      if (in == null) {
        throw new IllegalStateException(LAUNCHER + " is missing from the orchestra-local jar");
      }
      Path tmp = Files.createTempFile(dir, LAUNCHER, ".tmp");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return script;
  }

  /** Stops moto if this handle started it. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      LOG.info("moto on port {} stopped", port);
    }
  }
}
