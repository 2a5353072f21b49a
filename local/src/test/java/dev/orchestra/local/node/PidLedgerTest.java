package dev.orchestra.local.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidLedgerTest {
  @TempDir Path dir;

  @Test
  void killLeftovers_killsRecordedLiveProcesses_andForgetsThem() throws Exception {
    Process orphan = new ProcessBuilder("/bin/sh", "-c", "sleep 60").start();
    Process finished = new ProcessBuilder("/bin/sh", "-c", "true").start();
    finished.waitFor(10, TimeUnit.SECONDS);
    new PidLedger(dir).record(orphan.pid());
    new PidLedger(dir).record(finished.pid());

    int killed = new PidLedger(dir).killLeftovers(); // a new runtime after a crash

    assertThat(killed).isEqualTo(1);
    assertThat(orphan.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(dir.toFile().list()).isEmpty();
  }
}
