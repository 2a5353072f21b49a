package dev.orchestra.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeScaleTest {

  @Test
  void parse_blankIsRealTime_andNumbersScale() {
    assertThat(TimeScale.parse(null)).isEqualTo(TimeScale.REAL);
    assertThat(TimeScale.parse(" ")).isEqualTo(TimeScale.REAL);
    TimeScale fast = TimeScale.parse("0.05");

    assertThat(fast.scale(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(3));
    assertThat(fast.wholeSeconds(60)).isEqualTo(3);
    assertThat(fast.wholeSeconds(5)).isEqualTo(1); // ASL needs a positive integer
    assertThat(fast.seconds(60)).isEqualTo("3.000");
    assertThat(TimeScale.REAL.wholeSeconds(60)).isEqualTo(60);
  }

  @Test
  void parse_nonPositiveOrGarbage_namesTheVariable() {
    assertThatThrownBy(() -> TimeScale.parse("0")).hasMessageContaining("ORCHESTRA_TIME_SCALE");
    assertThatThrownBy(() -> TimeScale.parse("fast"))
        .hasMessageContaining("ORCHESTRA_TIME_SCALE")
        .hasMessageContaining("'fast'");
  }
}
