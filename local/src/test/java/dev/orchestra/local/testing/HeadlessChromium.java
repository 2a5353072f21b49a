package dev.orchestra.local.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real Chromium headless on a local file: {@code --headless --no-sandbox --disable-gpu
 * --no-first-run --disable-background-networking} with a fresh {@code --user-data-dir} per run and
 * its console on stderr. A run that outlives its timeout is killed by pid (its process tree first).
 * Chromium comes from the PATH ({@code apt-get install chromium}; .ci/run installs it): missing,
 * the test fails under CI and is skipped elsewhere.
 */
public final class HeadlessChromium {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final int VIRTUAL_TIME_MS = 15_000;
  private static final String WINDOW = "--window-size=1280,2600";

  private final Path binary;
  private final Path scratch;

  /** What one run printed. */
  public record Run(int exitCode, String stdout, String stderr) {
    /** The page's console lines (Chromium logs them as {@code CONSOLE}) and uncaught errors. */
    public List<String> consoleLines() {
      return stderr.lines().filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught")).toList();
    }
  }

  private HeadlessChromium(Path binary, Path scratch) {
    this.binary = binary;
    this.scratch = scratch;
  }

  /** Chromium on the PATH; fails under CI (CI set) when missing, skips the test otherwise. */
  public static HeadlessChromium require(Path scratch) {
    Optional<Path> found = onPath("chromium").or(() -> onPath("chromium-browser"));
    if (found.isEmpty()) {
      String why =
          "chromium is not on the PATH: install it with `apt-get install -y chromium`"
              + " (.ci/run does)";
      if (System.getenv("CI") != null) {
        fail(why);
      }
      Assumptions.abort(why);
    }
    return new HeadlessChromium(found.get(), scratch);
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The DOM after the page's scripts ran ({@code --dump-dom}), with the console on stderr. */
  public Run dumpDom(Path page) throws IOException, InterruptedException {
    return run(
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=" + VIRTUAL_TIME_MS,
        WINDOW,
        "--dump-dom",
        page.toUri().toString());
  }

  /** A full-page PNG of the rendered page. */
  public Run screenshot(Path page, Path png) throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    return run(
        "--virtual-time-budget=" + VIRTUAL_TIME_MS,
        WINDOW,
        "--hide-scrollbars",
        "--screenshot=" + png.toAbsolutePath(),
        page.toUri().toString());
  }

  private Run run(String... args) throws IOException, InterruptedException {
    Files.createDirectories(scratch);
    Path profile = Files.createTempDirectory(scratch, "chromium-profile-");
    Path out = Files.createTempFile(scratch, "chromium-", ".out");
    Path err = Files.createTempFile(scratch, "chromium-", ".err");
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--user-data-dir=" + profile));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        fail(
            "chromium (pid "
                + p.pid()
                + ") did not finish within "
                + TIMEOUT.toSeconds()
                + " s and was killed; stderr: "
                + Files.readString(err, StandardCharsets.UTF_8));
      }
      return new Run(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException stillInUse) {
      // A helper process may still hold a file for a moment; the scratch folder is the test's
      // own temporary folder and goes with it.
    }
  }
}
