package dev.orchestra.functions.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RecordFailure's reading of a heartbeat loss that the carrier reported lost meanwhile. */
class CarrierSaysLostTest {

  private static RunRecord run(int attempt, Integer resultAttempt, Integer exitCode) {
    return new RunRecord(
        "e",
        "e-r00001",
        1,
        attempt,
        RunStatus.RUNNING,
        null,
        null,
        null,
        exitCode,
        null,
        "t",
        "n",
        List.of(),
        null,
        resultAttempt,
        0L);
  }

  @Test
  void heartbeatLossOrTimeout_withTheAttemptsLostReport_isLost() {
    assertThat(RunService.carrierSaysLost(Reasons.HEARTBEAT_LOST, run(1, 1, null), 1))
        .isEqualTo(Reasons.LOST);
    assertThat(RunService.carrierSaysLost(Reasons.TIMEOUT, run(1, 1, null), 1))
        .isEqualTo(Reasons.LOST);
  }

  @Test
  void withoutALostReportForThisAttempt_theReasonStands() {
    assertThat(RunService.carrierSaysLost(Reasons.HEARTBEAT_LOST, run(1, null, null), 1))
        .isEqualTo(Reasons.HEARTBEAT_LOST);
    assertThat(RunService.carrierSaysLost(Reasons.HEARTBEAT_LOST, run(2, 1, null), 2))
        .isEqualTo(Reasons.HEARTBEAT_LOST);
    assertThat(RunService.carrierSaysLost(Reasons.TIMEOUT, run(1, 1, 0), 1))
        .isEqualTo(Reasons.TIMEOUT);
    assertThat(RunService.carrierSaysLost("exit 3", run(1, 1, 3), 1)).isEqualTo("exit 3");
  }
}
