package dev.orchestra.local.node;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.functions.carrier.RunCarrier;
import dev.orchestra.shared.run.RunContract;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process node's durable memory of the attempts it carries: one file per attempt in the
 * runtime's state folder, written when the attempt's Job arrives (before its process starts),
 * completed with its pid once it runs, removed when the attempt's result was sent or the control
 * plane released it. A runtime JVM that dies (SIGKILL included) leaves its entries behind; the next
 * one finds them ({@link #leftovers()}), kills what still runs ({@link #kill(Entry)}) and reports
 * those attempts lost.
 *
 * <p>Entries hold the attempt's nonce, so the files are readable by their owner only; the training
 * process never sees them. Each write is a temporary file renamed over the entry, so a crash leaves
 * either the old entry or the new one, never half of one. A pid counts only if the process also
 * started at the recorded instant (pids are reused).
 */
final class AttemptLedger {
  private static final Logger LOG = LoggerFactory.getLogger(AttemptLedger.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final String SUFFIX = ".json";

  /** One attempt in flight. {@code pid} and {@code started} are absent until the process runs. */
  record Entry(
      @JsonProperty("experiment_id") String experimentId,
      @JsonProperty("run_id") String runId,
      @JsonProperty("attempt") int attempt,
      @JsonProperty("nonce") String nonce,
      @JsonProperty("results_queue_url") String resultsQueueUrl,
      @JsonProperty("pid") Long pid,
      @JsonProperty("started") String started) {

    static Entry of(RunCarrier.Attempt a) {
      return new Entry(
          a.experimentId(), a.runId(), a.attempt(), a.nonce(), a.resultsQueueUrl(), null, null);
    }

    Entry withProcess(long pid) {
      String at =
          ProcessHandle.of(pid)
              .flatMap(p -> p.info().startInstant())
              .map(Instant::toString)
              .orElse(null);
      return new Entry(experimentId, runId, attempt, nonce, resultsQueueUrl, pid, at);
    }

    String fileName() {
      return RunContract.workloadName(runId, attempt) + SUFFIX;
    }
  }

  private final Path dir;

  AttemptLedger(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** Records an attempt that arrived or is about to start. */
  void begin(RunCarrier.Attempt attempt) {
    begin(Entry.of(attempt));
  }

  void begin(Entry entry) {
    write(entry);
  }

  /** Adds the running process to an attempt's entry. */
  void started(RunCarrier.Attempt attempt, long pid) {
    write(Entry.of(attempt).withProcess(pid));
  }

  /** Forgets an attempt: its result was sent, or the control plane released it. */
  void finish(RunCarrier.Attempt attempt) {
    remove(Entry.of(attempt));
  }

  void remove(Entry entry) {
    try {
      Files.deleteIfExists(dir.resolve(entry.fileName()));
    } catch (IOException e) {
      LOG.warn("could not remove ledger entry {}: {}", entry.fileName(), e.toString());
    }
  }

  /** The entries on disk (a previous runtime's, when called before this node starts any). */
  List<Entry> leftovers() {
    List<Entry> entries = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return entries;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX)) {
          Files.deleteIfExists(file); // a temporary file a crash interrupted
          continue;
        }
        try {
          entries.add(JSON.readValue(file.toFile(), Entry.class));
        } catch (IOException unreadable) {
          LOG.warn("dropped unreadable ledger entry {}: {}", file, unreadable.toString());
          Files.deleteIfExists(file);
        }
      }
    } catch (IOException e) {
      LOG.warn("could not read the ledger {}: {}", dir, e.toString());
    }
    return entries;
  }

  /**
   * Kills the entry's process and its descendants if it is still the one recorded; true when one
   * was killed.
   */
  static boolean kill(Entry entry) {
    if (entry.pid() == null || entry.started() == null) {
      return false;
    }
    Optional<ProcessHandle> p = ProcessHandle.of(entry.pid()).filter(ProcessHandle::isAlive);
    boolean same =
        p.isPresent()
            && p.get()
                .info()
                .startInstant()
                .map(Instant::toString)
                .map(entry.started()::equals)
                .orElse(false);
    if (!same) {
      return false;
    }
    p.get().descendants().forEach(ProcessHandle::destroyForcibly);
    p.get().destroyForcibly();
    LOG.info(
        "killed pid {} ({} attempt {}), left running by a previous runtime",
        entry.pid(),
        entry.runId(),
        entry.attempt());
    return true;
  }

  private void write(Entry entry) {
    try {
      Files.createDirectories(dir);
      Path tmp = ownerOnlyTempFile();
      JSON.writeValue(tmp.toFile(), entry);
      Files.move(
          tmp,
          dir.resolve(entry.fileName()),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("could not record {} in the ledger: {}", entry.fileName(), e.toString());
    }
  }

  private Path ownerOnlyTempFile() throws IOException {
    try {
      return Files.createTempFile(
          dir,
          "entry",
          ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException noPosix) {
      return Files.createTempFile(dir, "entry", ".tmp");
    }
  }
}
