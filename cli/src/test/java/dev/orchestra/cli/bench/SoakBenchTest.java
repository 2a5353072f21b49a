package dev.orchestra.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.cli.bench.SoakBench.Observed;
import dev.orchestra.cli.bench.SoakBench.Verdict;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The soak's verdict on what it read back: every way of losing or doubling is caught. */
class SoakBenchTest {
  private static final int RUNS = 100;

  private static RunRecord run(int n, RunStatus status, String reason, Object value) {
    double x = n / 1000.0;
    return new RunRecord(
        "soak-1",
        String.format("soak-1-r%05d", n),
        n,
        1,
        status,
        Map.of("x", x),
        value == null ? null : Map.of("value", value),
        reason,
        null,
        null,
        null,
        "nonce",
        List.of(),
        null,
        1,
        0L);
  }

  /** The runs as the plan wants them: 5% exit 3, 2% stopped by their timeout, the rest observed. */
  private static List<RunRecord> asPlanned() {
    List<RunRecord> runs = new ArrayList<>();
    for (int n = 1; n <= RUNS; n++) {
      runs.add(
          SoakBench.hangs(n)
              ? run(n, RunStatus.FAILED, Reasons.TIMEOUT, null)
              : SoakBench.fails(n)
                  ? run(n, RunStatus.FAILED, "exit 3", null)
                  : run(n, RunStatus.SUCCEEDED, null, n / 1000.0));
    }
    return runs;
  }

  private static Observed observed(List<RunRecord> runs, long duplicated, long queueLeft) {
    int succeeded = (int) runs.stream().filter(r -> r.status() == RunStatus.SUCCEEDED).count();
    int failed = (int) runs.stream().filter(r -> r.status() == RunStatus.FAILED).count();
    ExperimentRecord end =
        new ExperimentRecord(
            "soak-1",
            "soak",
            ExperimentStatus.SUCCEEDED,
            "bucket",
            "status.json",
            null,
            runs.size(),
            0,
            succeeded,
            failed,
            false,
            null,
            0,
            null,
            null,
            null,
            null,
            "2026-01-01T00:00:00Z");
    return new Observed(runs, end, runs.size(), 0, duplicated, queueLeft);
  }

  @Test
  void planFor1000_is50FailingAnd20Hanging() {
    int failing = 0;
    int hanging = 0;
    for (int n = 1; n <= 1000; n++) {
      failing += SoakBench.fails(n) ? 1 : 0;
      hanging += SoakBench.hangs(n) ? 1 : 0;
      assertThat(SoakBench.fails(n) && SoakBench.hangs(n)).isFalse();
    }
    assertThat(failing).isEqualTo(50);
    assertThat(hanging).isEqualTo(20);
  }

  @Test
  void runsAsPlanned_everyResultDuplicated_queueDrained_isExact() {
    Verdict v = SoakBench.verify(RUNS, observed(asPlanned(), 98, 0));
    assertThat(v.problems()).isEmpty();
    assertThat(v.slow()).isEmpty();
  }

  @Test
  void aRunMeantToSucceedEndedByItsTimeout_isSlowNotAProblem() {
    List<RunRecord> runs = asPlanned();
    runs.set(0, run(1, RunStatus.FAILED, Reasons.TIMEOUT, null));
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(v.problems()).isEmpty();
    assertThat(v.slow()).containsExactly("soak-1-r00001 (timeout)");
  }

  @Test
  void aFailingRunEndedByItsTimeout_isSlow_andTheCountsStillAddUp() {
    List<RunRecord> runs = asPlanned();
    runs.set(2, run(3, RunStatus.FAILED, Reasons.HEARTBEAT_LOST, null));
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(v.problems()).isEmpty();
    assertThat(v.slow()).containsExactly("soak-1-r00003 (heartbeat lost)");
  }

  @Test
  void aLostRun_isAProblem() {
    List<RunRecord> runs = asPlanned();
    runs.remove(41);
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(v.problems())
        .contains("99 runs in the store, not 100", "1 run numbers of 1..100 missing");
  }

  @Test
  void aDoubledRun_isAProblem() {
    List<RunRecord> runs = asPlanned();
    runs.add(runs.get(41));
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(v.problems()).contains("101 runs in the store, not 100", "a run id appears twice");
  }

  @Test
  void aRunNumberedTwiceUnderTwoIds_isAProblem() {
    List<RunRecord> runs = asPlanned();
    RunRecord r = runs.get(41);
    runs.set(41, run(41, RunStatus.SUCCEEDED, null, 41 / 1000.0));
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(r.number()).isEqualTo(42);
    assertThat(v.problems()).anyMatch(p -> p.contains("run number 41"));
    assertThat(v.problems()).contains("1 run numbers of 1..100 missing");
  }

  @Test
  void aWrongOrMissingObservation_isAProblem() {
    List<RunRecord> runs = asPlanned();
    runs.set(0, run(1, RunStatus.SUCCEEDED, null, 0.5));
    runs.set(1, run(2, RunStatus.SUCCEEDED, null, null));
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(v.problems())
        .anyMatch(p -> p.startsWith("soak-1-r00001: observation"))
        .anyMatch(p -> p.startsWith("soak-1-r00002: observation"));
  }

  @Test
  void aHangingRunThatSucceededOrAFailingRunThatFailedOtherwise_isAProblem() {
    List<RunRecord> runs = asPlanned();
    runs.set(6, run(7, RunStatus.SUCCEEDED, null, 7 / 1000.0));
    runs.set(2, run(3, RunStatus.FAILED, "exit 1", null));
    Verdict v = SoakBench.verify(RUNS, observed(runs, 98, 0));
    assertThat(v.problems())
        .contains(
            "soak-1-r00007 succeeded but should have failed",
            "soak-1-r00003 failed with 'exit 1', expected exit 3",
            "1 hanging runs stopped by a timeout, expected 2");
  }

  @Test
  void countersThatDisagreeWithTheRuns_areAProblem() {
    Observed o = observed(asPlanned(), 98, 0);
    ExperimentRecord e = o.end();
    ExperimentRecord doubled =
        new ExperimentRecord(
            e.id(),
            e.name(),
            e.status(),
            e.bucket(),
            e.statusKey(),
            null,
            e.issued(),
            1,
            e.succeeded() + 1,
            e.failed(),
            false,
            null,
            0,
            null,
            null,
            null,
            null,
            e.createdAt());
    Verdict v = SoakBench.verify(RUNS, new Observed(o.runs(), doubled, RUNS, 0, o.duplicated(), 0));
    assertThat(v.problems())
        .anyMatch(p -> p.endsWith("disagree with the runs"))
        .contains("experiment ended with running = 1");
  }

  @Test
  void missingOrStillRunningExecutions_areAProblem() {
    Observed o = observed(asPlanned(), 98, 0);
    Verdict v =
        SoakBench.verify(RUNS, new Observed(o.runs(), o.end(), RUNS - 1, 2, o.duplicated(), 0));
    assertThat(v.problems())
        .contains(
            "99 run executions, not 100", "2 run executions still running after the experiment");
  }

  @Test
  void resultsNotDuplicated_orLeftOnTheQueue_areAProblem() {
    Verdict v = SoakBench.verify(RUNS, observed(asPlanned(), 97, 3));
    assertThat(v.problems())
        .contains(
            "only 97 results messages duplicated, expected at least 98",
            "3 messages left on the results queue");
  }
}
