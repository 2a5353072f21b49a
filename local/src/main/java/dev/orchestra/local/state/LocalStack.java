package dev.orchestra.local.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.local.LocalRuntimeMain;
import dev.orchestra.local.moto.MotoServer;
import dev.orchestra.local.node.ProcessNode;
import dev.orchestra.local.router.Router;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.TimeScale;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code orchestra local up|down|status}: the two background processes of the local runtime (moto,
 * and the runtime JVM running {@link LocalRuntimeMain}), their state file, and re-attaching to what
 * is still running. moto outlives runtime JVM restarts: {@code up} with moto alive and the runtime
 * dead starts only the runtime, on the same router port, so executions in flight resume.
 */
public final class LocalStack {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration MOTO_START = Duration.ofSeconds(90);
  private static final Duration RUNTIME_START = Duration.ofSeconds(120);

  private final Path dir;
  private final Consumer<String> progress;

  /**
   * @param home the Orchestra home ({@link #defaultHome()}); state lives in {@code home/local}
   * @param progress receives one line per step of {@code up} and {@code down}
   */
  public LocalStack(Path home, Consumer<String> progress) {
    this.dir = home.resolve("local");
    this.progress = progress;
  }

  /**
   * {@code $ORCHESTRA_HOME}, else the system property {@code orchestra.state.home}, else {@code
   * ~/.orchestra}.
   */
  public static Path defaultHome() {
    String env = System.getenv(EnvVars.ORCHESTRA_HOME);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String prop = System.getProperty("orchestra.state.home");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    return Path.of(System.getProperty("user.home"), ".orchestra");
  }

  public Path stateFile() {
    return dir.resolve("state.json");
  }

  /** What is recorded and what of it is alive. */
  public record Status(LocalState state, boolean motoAlive, boolean runtimeAlive) {
    public boolean running() {
      return state != null && motoAlive && runtimeAlive;
    }
  }

  public Status status() throws IOException {
    Optional<LocalState> state = read();
    if (state.isEmpty()) {
      return new Status(null, false, false);
    }
    LocalState s = state.get();
    boolean moto = alive(s.motoPid()) && MotoServer.answers(s.motoPort());
    boolean runtime = alive(s.runtimePid()) && healthy(s.routerPort());
    return new Status(s, moto, runtime);
  }

  /** Starts what is not running, re-attaching to what is; returns when the runtime is ready. */
  public LocalState up(TimeScale timeScale) throws IOException {
    Files.createDirectories(dir);
    Status status = status();
    LocalState previous = status.state();
    if (status.running()) {
      progress.accept("local runtime already running: aws endpoint " + previous.awsEndpoint());
      if (!timeScale.toString().equals(previous.timeScale())) {
        progress.accept(
            "note: it runs at time scale "
                + previous.timeScale()
                + ", not "
                + timeScale
                + "; run `orchestra local down` first to change it");
      }
      return previous;
    }
    if (previous != null && !status.runtimeAlive() && alive(previous.runtimePid())) {
      progress.accept("stopping an unresponsive runtime JVM (pid " + previous.runtimePid() + ")");
      stop(previous.runtimePid(), "LocalRuntimeMain");
    }
    int routerPort =
        previous != null && portFree(previous.routerPort()) ? previous.routerPort() : freePort();
    int motoPort;
    long motoPid;
    if (status.motoAlive()) {
      motoPort = previous.motoPort();
      motoPid = previous.motoPid();
      routerPort = previous.routerPort(); // moto's engine calls this port: keep it
      progress.accept("moto already running on port " + motoPort + " (pid " + motoPid + ")");
    } else {
      if (previous != null && alive(previous.runtimePid())) {
        progress.accept(
            "stopping a runtime whose moto is gone (pid " + previous.runtimePid() + ")");
        stop(previous.runtimePid(), "LocalRuntimeMain");
      }
      forgetAttempts(); // they were runs of the moto that is gone
      motoPort = freePort();
      progress.accept("starting moto on port " + motoPort + " ...");
      MotoServer moto =
          MotoServer.start(
              new MotoServer.Launch(
                  pythonCommand(), motoPort, routerPort, dir, dir.resolve("moto.log"), true, 0),
              MOTO_START);
      motoPid = moto.pid().orElseThrow();
      progress.accept("moto ready (pid " + motoPid + ")");
    }
    int kubernetesPort =
        previous != null && portFree(previous.kubernetesPort())
            ? previous.kubernetesPort()
            : freePort();
    int apiPort =
        previous != null && previous.apiEndpoint() != null && portFree(apiPortOf(previous))
            ? apiPortOf(previous)
            : freePort();
    progress.accept("starting the runtime JVM (router on port " + routerPort + ") ...");
    long runtimePid = startRuntime(motoPort, routerPort, kubernetesPort, apiPort, timeScale);
    String aws = "http://127.0.0.1:" + routerPort;
    LocalState state =
        new LocalState(
            aws,
            LocalEnvironment.DEFAULT_REGION,
            routerPort,
            motoPort,
            motoPid,
            runtimePid,
            kubernetesPort,
            "http://127.0.0.1:" + kubernetesPort,
            timeScale.toString(),
            Instant.now().toString(),
            "http://127.0.0.1:" + apiPort);
    write(state);
    progress.accept("local runtime ready: aws endpoint " + aws + ", region " + state.region());
    return state;
  }

  /** Stops both processes and removes the state file; false when nothing was recorded. */
  public boolean down() throws IOException {
    Optional<LocalState> state = read();
    if (state.isEmpty()) {
      progress.accept("local runtime is not running");
      return false;
    }
    if (stop(state.get().runtimePid(), "LocalRuntimeMain")) {
      progress.accept("runtime JVM stopped (pid " + state.get().runtimePid() + ")");
    }
    if (stop(state.get().motoPid(), "moto_launcher")) {
      progress.accept("moto stopped (pid " + state.get().motoPid() + ")");
    }
    forgetAttempts();
    Files.deleteIfExists(stateFile());
    progress.accept("local runtime stopped");
    return true;
  }

  /**
   * Drops the process node's ledger of attempts in flight: with moto stopped, the runs it names are
   * gone, and there is nobody to report them lost to.
   */
  private void forgetAttempts() throws IOException {
    Path ledger = dir.resolve(ProcessNode.LEDGER_DIR);
    if (!Files.isDirectory(ledger)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(ledger)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int apiPortOf(LocalState state) {
    return java.net.URI.create(state.apiEndpoint()).getPort();
  }

  private long startRuntime(
      int motoPort, int routerPort, int kubernetesPort, int apiPort, TimeScale timeScale)
      throws IOException {
    Path log = dir.resolve("runtime.log");
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+UseSerialGC");
    command.add("-Xshare:auto");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LocalRuntimeMain.class.getName());
    command.addAll(
        List.of(
            "--moto-port", Integer.toString(motoPort),
            "--router-port", Integer.toString(routerPort),
            "--kubernetes-port", Integer.toString(kubernetesPort),
            "--api-port", Integer.toString(apiPort),
            "--state-dir", dir.toString(),
            "--time-scale", timeScale.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process process = pb.start();
    long deadline = System.nanoTime() + RUNTIME_START.toNanos();
    while (!healthy(routerPort) || !listening(apiPort)) {
      if (!process.isAlive()) {
        throw new IOException(
            "the runtime JVM exited with code "
                + process.exitValue()
                + "; see "
                + log
                + ": "
                + tail(log));
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IOException(
            "the runtime JVM was not ready within " + RUNTIME_START.toSeconds() + " s; see " + log);
      }
      pause();
    }
    return process.pid();
  }

  /** Whether something accepts connections on the loopback port (the runtime's API listener). */
  private static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(
          new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String pythonCommand() {
    String configured = System.getenv(dev.orchestra.shared.EnvVars.PYTHON);
    return configured == null || configured.isBlank() ? "python3" : configured;
  }

  static boolean healthy(int routerPort) {
    try {
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + routerPort + Router.HEALTH_PATH))
                  .timeout(Duration.ofSeconds(2))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean alive(long pid) {
    return pid > 0
        && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && !zombie(pid);
  }

  /** An exited process its parent has not reaped yet (kill -0 still finds it). */
  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops a recorded process if it is still the one we started (its command line says so). */
  private static boolean stop(long pid, String marker) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(p -> alive(p.pid()));
    if (handle.isEmpty()) {
      return false;
    }
    String commandLine = commandLine(handle.get());
    if (!commandLine.isEmpty() && !commandLine.contains(marker)) {
      return false; // the pid was reused by something else
    }
    handle.get().destroy();
    try {
      handle.get().onExit().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      handle.get().destroyForcibly();
    }
    return true;
  }

  /** The full command line (ProcessHandle.Info truncates long ones, like a JVM's classpath). */
  private static String commandLine(ProcessHandle process) {
    Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
    try {
      if (Files.exists(cmdline)) {
        return new String(Files.readAllBytes(cmdline), java.nio.charset.StandardCharsets.UTF_8)
            .replace('\0', ' ');
      }
    } catch (IOException e) {
      // fall through to what the JDK knows
    }
    return process.info().commandLine().orElse("");
  }

  private Optional<LocalState> read() throws IOException {
    Path file = stateFile();
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(JSON.readValue(file.toFile(), LocalState.class));
  }

  private void write(LocalState state) throws IOException {
    Path tmp = Files.createTempFile(dir, "state", ".json");
    JSON.writeValue(tmp.toFile(), state);
    Files.move(
        tmp, stateFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean portFree(int port) {
    return port > 0 && dev.orchestra.local.Ports.isFree(port);
  }

  private static int freePort() {
    return dev.orchestra.local.Ports.free();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static void pause() {
    try {
      Thread.sleep(200); // polling the health endpoint; there is no event to wait on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the runtime", e);
    }
  }
}
