package dev.orchestra.local.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.carrier.RunCarrier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttemptLedgerTest {
  @TempDir Path dir;

  private static RunCarrier.Attempt attempt(String runId, int n) {
    return new RunCarrier.Attempt(
        "exp",
        runId,
        n,
        "nonce-" + runId,
        "true",
        Path.of("."),
        Map.of(),
        "http://queue",
        "bucket",
        Duration.ofSeconds(1));
  }

  @Test
  void anAttemptIsRecordedBeforeAndWhileItRuns_ownerOnly_andForgottenWhenFinished()
      throws Exception {
    AttemptLedger ledger = new AttemptLedger(dir);
    RunCarrier.Attempt a = attempt("exp-r00001", 2);

    ledger.begin(a);
    assertThat(ledger.leftovers())
        .containsExactly(
            new AttemptLedger.Entry(
                "exp", "exp-r00001", 2, "nonce-exp-r00001", "http://queue", null, null));
    ledger.started(a, ProcessHandle.current().pid());
    AttemptLedger.Entry entry = ledger.leftovers().get(0);
    assertThat(entry.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(entry.started()).isNotNull();
    Path file = dir.resolve("exp-r00001-a2.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(dir.toFile().list()).containsExactly("exp-r00001-a2.json");

    ledger.finish(a);
    assertThat(ledger.leftovers()).isEmpty();
  }

  @Test
  void kill_killsOnlyALiveRecordedProcess_andLeftoversDropTemporaryFiles() throws Exception {
    Process orphan = new ProcessBuilder("/bin/sh", "-c", "sleep 60").start();
    Process finished = new ProcessBuilder("/bin/sh", "-c", "true").start();
    finished.waitFor(10, TimeUnit.SECONDS);
    AttemptLedger before = new AttemptLedger(dir); // the runtime that crashes
    before.started(attempt("exp-r00001", 1), orphan.pid());
    before.started(attempt("exp-r00002", 1), finished.pid());
    before.begin(attempt("exp-r00003", 1)); // crashed before its process started
    Files.writeString(dir.resolve("entry123.tmp"), "{\"half\":");

    AttemptLedger after = new AttemptLedger(dir);
    List<AttemptLedger.Entry> leftovers = after.leftovers();

    assertThat(leftovers)
        .extracting(AttemptLedger.Entry::runId)
        .containsExactlyInAnyOrder("exp-r00001", "exp-r00002", "exp-r00003");
    assertThat(dir.resolve("entry123.tmp")).doesNotExist();
    assertThat(leftovers.stream().filter(AttemptLedger::kill).map(AttemptLedger.Entry::runId))
        .containsExactly("exp-r00001");
    assertThat(orphan.waitFor(10, TimeUnit.SECONDS)).isTrue();
    leftovers.forEach(after::remove);
    assertThat(dir.toFile().list()).isEmpty();
  }
}
