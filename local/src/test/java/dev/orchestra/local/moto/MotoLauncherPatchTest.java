package dev.orchestra.local.moto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python tests of moto_launcher.py's patches (test_moto_launcher.py, against moto in
 * process): a cancelled transaction writes nothing, a write failing after the checks puts the
 * touched items back, racing transactions never erase concurrent writes, the engine's client is
 * built once and shared by every execution thread, each JSONPath is parsed once and evaluates as
 * before, and moto's service packages are listed once.
 */
class MotoLauncherPatchTest {
  @TempDir Path dir;

  @Test
  void launcherPatches_pythonTests_pass() throws Exception {
    copy("/dev/orchestra/local/moto/moto_launcher.py", dir.resolve("moto_launcher.py"));
    copy("/moto/test_moto_launcher.py", dir.resolve("test_moto_launcher.py"));
    String python = System.getenv("ORCHESTRA_PYTHON");
    ProcessBuilder pb =
        new ProcessBuilder(
                python == null || python.isBlank() ? "python3" : python,
                "-m",
                "unittest",
                "-v",
                "test_moto_launcher")
            .directory(dir.toFile())
            .redirectErrorStream(true);
    pb.environment().put("PYTHONPATH", dir.toString());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("python finished").isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("Ran 8 tests").contains("OK");
  }

  private static void copy(String resource, Path to) throws IOException {
    try (InputStream in = MotoLauncherPatchTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
