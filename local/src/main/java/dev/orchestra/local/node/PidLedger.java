package dev.orchestra.local.node;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers the Job processes of a runtime JVM on disk, so that the next runtime kills those a
 * crashed (SIGKILLed) JVM left behind: their runs are failed as lost and retried by the control
 * plane, and an orphan must not keep running beside its retry. A pid counts only if the process
 * also started at the recorded instant (pids are reused).
 */
final class PidLedger {
  private static final Logger LOG = LoggerFactory.getLogger(PidLedger.class);

  private final Path dir;

  PidLedger(Path dir) {
    this.dir = dir;
  }

  void record(long pid) {
    try {
      Files.createDirectories(dir);
      String started =
          ProcessHandle.of(pid)
              .flatMap(p -> p.info().startInstant())
              .map(Instant::toString)
              .orElse("");
      Files.writeString(dir.resolve(Long.toString(pid)), started);
    } catch (IOException e) {
      LOG.warn("could not record pid {}: {}", pid, e.toString());
    }
  }

  void forget(long pid) {
    try {
      Files.deleteIfExists(dir.resolve(Long.toString(pid)));
    } catch (IOException e) {
      LOG.debug("could not forget pid {}: {}", pid, e.toString());
    }
  }

  /** Kills every recorded process (and its descendants) that is still the one recorded. */
  int killLeftovers() {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int killed = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        long pid;
        try {
          pid = Long.parseLong(file.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        String started = Files.readString(file).trim();
        Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        boolean same =
            p.isPresent()
                && !started.isEmpty()
                && p.get()
                    .info()
                    .startInstant()
                    .map(Instant::toString)
                    .map(started::equals)
                    .orElse(false);
        if (same) {
          p.get().descendants().forEach(ProcessHandle::destroyForcibly);
          p.get().destroyForcibly();
          killed++;
          LOG.info("killed pid {}, left running by a previous runtime", pid);
        }
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.warn("could not sweep {}: {}", dir, e.toString());
    }
    return killed;
  }
}
