package dev.orchestra.local.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RuleSchedulerTest {
  @Test
  void periodMillis_readsRateExpressions() {
    assertThat(RuleScheduler.periodMillis("rate(1 minute)")).isEqualTo(60_000);
    assertThat(RuleScheduler.periodMillis("rate(5 minutes)")).isEqualTo(300_000);
    assertThat(RuleScheduler.periodMillis("rate(2 hours)")).isEqualTo(7_200_000);
    assertThat(RuleScheduler.periodMillis("rate(1 day)")).isEqualTo(86_400_000);
  }

  @Test
  void periodMillis_whenNotARate_isMinusOne() {
    assertThat(RuleScheduler.periodMillis("cron(0 12 * * ? *)")).isEqualTo(-1);
    assertThat(RuleScheduler.periodMillis(null)).isEqualTo(-1);
  }
}
