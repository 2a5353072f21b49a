package dev.orchestra.shared.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.PoolScaler.Capacity;
import dev.orchestra.shared.pool.PoolScaler.Decision;
import dev.orchestra.shared.pool.PoolScaler.Instance;
import dev.orchestra.shared.pool.PoolScaler.Launch;
import dev.orchestra.shared.pool.PoolScaler.Observation;
import dev.orchestra.shared.pool.PoolScaler.Refusal;
import dev.orchestra.shared.pool.PoolScaler.SpotRequest;
import dev.orchestra.shared.pool.PoolScaler.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolScalerTest {
  static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  static final Duration IDLE = Duration.ofMinutes(10);
  static final Duration BOOT = Duration.ofMinutes(15);
  static final Duration COOLDOWN = Duration.ofMinutes(10);

  static PoolConfig pool(int max, boolean spot, boolean fallback) {
    return new PoolConfig(
        "gpu",
        List.of("g5.xlarge", "g6.xlarge"),
        spot,
        fallback,
        max,
        10,
        "ami-0123abcd",
        null,
        "gp3",
        100,
        List.of(),
        null,
        List.of());
  }

  /** A fluent observation: pending runs, instances, requests and refusals. */
  static final class Obs {
    PoolConfig pool = PoolScalerTest.pool(4, true, true);
    int pending;
    final List<Instance> instances = new ArrayList<>();
    final List<SpotRequest> requests = new ArrayList<>();
    final List<Refusal> refusals = new ArrayList<>();

    Obs pending(int n) {
      pending = n;
      return this;
    }

    Obs with(PoolConfig p) {
      pool = p;
      return this;
    }

    Obs idle(String id, int minutesAgo) {
      instances.add(
          new Instance(
              id,
              "g5.xlarge",
              Capacity.ON_DEMAND,
              State.RUNNING,
              false,
              NOW.minus(Duration.ofMinutes(minutesAgo)),
              NOW.minus(Duration.ofHours(1)),
              null));
      return this;
    }

    Obs busy(String id) {
      instances.add(
          new Instance(
              id,
              "g5.xlarge",
              Capacity.ON_DEMAND,
              State.RUNNING,
              true,
              null,
              NOW.minus(Duration.ofHours(2)),
              null));
      return this;
    }

    Obs booting(String id, int minutesAgo) {
      instances.add(
          new Instance(
              id,
              "g5.xlarge",
              Capacity.SPOT,
              State.PENDING,
              false,
              null,
              NOW.minus(Duration.ofMinutes(minutesAgo)),
              "sir-" + id));
      return this;
    }

    Obs instance(Instance i) {
      instances.add(i);
      return this;
    }

    Obs openRequest(String id) {
      requests.add(new SpotRequest(id, "g5.xlarge", "open", null));
      return this;
    }

    Obs request(SpotRequest r) {
      requests.add(r);
      return this;
    }

    Obs refused(String type, Capacity c, int minutesAgo) {
      refusals.add(new Refusal(type, c, NOW.minus(Duration.ofMinutes(minutesAgo))));
      return this;
    }

    Decision decide() {
      return PoolScaler.decide(
          new Observation(pool, pending, instances, requests, refusals, NOW, IDLE, BOOT, COOLDOWN));
    }
  }

  static Obs obs() {
    return new Obs();
  }

  @Test
  void decide_whenRunsPendAndNothingRuns_launchesOneInstancePerRunOfTheFirstType() {
    Decision d = obs().pending(3).decide();
    assertThat(d.launch()).isEqualTo(new Launch("g5.xlarge", Capacity.SPOT, 3));
    assertThat(d.terminate()).isEmpty();
    assertThat(d.cancelSpotRequests()).isEmpty();
  }

  @Test
  void decide_whenMoreRunsThanMaxInstances_launchesUpToMax() {
    Decision d = obs().pending(10).busy("i-1").decide();
    assertThat(d.launch().count()).isEqualTo(3);
    assertThat(d.reasons()).anyMatch(r -> r.contains("(max_instances 4)"));
  }

  @Test
  void decide_whenAtMaxInstances_launchesNothingAndSaysWhy() {
    Decision d = obs().pending(2).busy("i-1").busy("i-2").busy("i-3").busy("i-4").decide();
    assertThat(d.nothing()).isTrue();
    assertThat(d.reasons()).anyMatch(r -> r.contains("2 pending run(s) wait"));
  }

  @Test
  void decide_whenIdleAndBootingInstancesCoverTheRuns_launchesNothing() {
    Decision d = obs().pending(2).idle("i-1", 1).booting("i-2", 3).decide();
    assertThat(d.nothing()).isTrue();
  }

  @Test
  void decide_whenNothingPends_terminatesOnlyInstancesIdlePastTheTimeout() {
    Decision d = obs().pending(0).idle("i-old", 10).idle("i-new", 9).busy("i-busy").decide();
    assertThat(d.terminate()).containsExactly("i-old");
    assertThat(d.launch()).isNull();
  }

  @Test
  void decide_whenARunPends_keepsTheMostRecentlyIdleInstanceForIt() {
    Decision d = obs().pending(1).idle("i-older", 30).idle("i-recent", 20).decide();
    assertThat(d.terminate()).containsExactly("i-older");
    assertThat(d.launch()).isNull();
  }

  @Test
  void decide_neverTerminatesBusyInstances() {
    Decision d = obs().with(pool(1, false, false)).pending(0).busy("i-1").busy("i-2").decide();
    assertThat(d.nothing()).isTrue();
  }

  @Test
  void decide_whenAboveMaxInstances_terminatesIdleExtrasBeforeTheirTimeout() {
    Decision d = obs().with(pool(1, false, false)).pending(0).busy("i-1").idle("i-2", 1).decide();
    assertThat(d.terminate()).containsExactly("i-2");
  }

  @Test
  void decide_whenTheFirstTypeWasRefusedRecently_walksTheFallbackOrder() {
    Decision d = obs().pending(1).refused("g5.xlarge", Capacity.SPOT, 2).decide();
    assertThat(d.launch()).isEqualTo(new Launch("g6.xlarge", Capacity.SPOT, 1));
  }

  @Test
  void decide_whenEverySpotTypeWasRefused_fallsBackToOnDemandInTheSameOrder() {
    Decision d =
        obs()
            .pending(2)
            .refused("g5.xlarge", Capacity.SPOT, 1)
            .refused("g6.xlarge", Capacity.SPOT, 1)
            .decide();
    assertThat(d.launch()).isEqualTo(new Launch("g5.xlarge", Capacity.ON_DEMAND, 2));
  }

  @Test
  void decide_whenEverySpotTypeWasRefusedWithoutFallback_launchesNothingAndSaysWhy() {
    Decision d =
        obs()
            .with(pool(4, true, false))
            .pending(1)
            .refused("g5.xlarge", Capacity.SPOT, 1)
            .refused("g6.xlarge", Capacity.SPOT, 1)
            .decide();
    assertThat(d.launch()).isNull();
    assertThat(d.reasons())
        .anyMatch(r -> r.contains("each was refused") && r.contains("on_demand_fallback"));
  }

  @Test
  void decide_whenARefusalIsOlderThanTheCooldown_triesTheTypeAgain() {
    Decision d = obs().pending(1).refused("g5.xlarge", Capacity.SPOT, 10).decide();
    assertThat(d.launch().instanceType()).isEqualTo("g5.xlarge");
  }

  @Test
  void decide_aRefusalOfOnDemandDoesNotSkipTheSameTypeAsSpot() {
    Decision d = obs().pending(1).refused("g5.xlarge", Capacity.ON_DEMAND, 1).decide();
    assertThat(d.launch()).isEqualTo(new Launch("g5.xlarge", Capacity.SPOT, 1));
  }

  @Test
  void decide_withoutSpot_launchesOnDemandOnly() {
    Decision d =
        obs()
            .with(pool(4, false, false))
            .pending(1)
            .refused("g5.xlarge", Capacity.ON_DEMAND, 1)
            .decide();
    assertThat(d.launch()).isEqualTo(new Launch("g6.xlarge", Capacity.ON_DEMAND, 1));
    assertThat(PoolScaler.fallbackOrder(pool(4, false, false)))
        .extracting(Launch::capacity)
        .containsOnly(Capacity.ON_DEMAND);
  }

  @Test
  void decide_whenOpenSpotRequestsExceedTheRuns_cancelsTheSurplus() {
    Decision d = obs().pending(1).openRequest("sir-1").openRequest("sir-2").decide();
    assertThat(d.cancelSpotRequests()).containsExactly("sir-2");
    assertThat(d.launch()).isNull();
  }

  @Test
  void decide_whenNothingPends_cancelsEveryOpenSpotRequest() {
    Decision d = obs().pending(0).openRequest("sir-1").decide();
    assertThat(d.cancelSpotRequests()).containsExactly("sir-1");
  }

  @Test
  void decide_openSpotRequestsCountTowardMaxInstances() {
    Decision d = obs().pending(5).openRequest("sir-1").openRequest("sir-2").decide();
    assertThat(d.cancelSpotRequests()).isEmpty();
    assertThat(d.launch().count()).isEqualTo(2);
  }

  @Test
  void decide_whenASpotInstanceIsTerminated_cancelsItsStillActiveRequest() {
    Decision d =
        obs()
            .pending(0)
            .instance(
                new Instance(
                    "i-9",
                    "g5.xlarge",
                    Capacity.SPOT,
                    State.RUNNING,
                    false,
                    NOW.minus(Duration.ofMinutes(11)),
                    NOW.minus(Duration.ofHours(1)),
                    "sir-9"))
            .request(new SpotRequest("sir-9", "g5.xlarge", "active", "i-9"))
            .decide();
    assertThat(d.terminate()).containsExactly("i-9");
    assertThat(d.cancelSpotRequests()).containsExactly("sir-9");
  }

  @Test
  void decide_whenAnAgentNeverReportsWithinTheBootTimeout_terminatesAndReplacesIt() {
    Decision d = obs().pending(1).booting("i-stuck", 15).decide();
    assertThat(d.terminate()).containsExactly("i-stuck");
    assertThat(d.cancelSpotRequests()).isEmpty();
    assertThat(d.launch().count()).isEqualTo(1);
    assertThat(d.reasons()).anyMatch(r -> r.contains("terminated as broken"));
  }

  @Test
  void decide_terminatesStoppedInstancesAndIgnoresTerminatedOnes() {
    Instance stopped =
        new Instance("i-s", "g5.xlarge", Capacity.ON_DEMAND, State.STOPPED, false, null, NOW, null);
    Instance gone =
        new Instance(
            "i-t", "g5.xlarge", Capacity.ON_DEMAND, State.TERMINATED, false, null, NOW, null);
    Instance leaving =
        new Instance(
            "i-l", "g5.xlarge", Capacity.ON_DEMAND, State.SHUTTING_DOWN, false, null, NOW, null);
    Decision d = obs().pending(1).instance(stopped).instance(gone).instance(leaving).decide();
    assertThat(d.terminate()).containsExactly("i-s");
    assertThat(d.launch().count()).isEqualTo(1);
  }
}
