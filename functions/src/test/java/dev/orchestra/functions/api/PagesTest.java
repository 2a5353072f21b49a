package dev.orchestra.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PagesTest {
  @Test
  void limit_defaultsTo50_andAccepts1To100Only() {
    assertThat(Pages.limit(null)).isEqualTo(50);
    assertThat(Pages.limit("1")).isEqualTo(1);
    assertThat(Pages.limit("100")).isEqualTo(100);
    for (String bad : new String[] {"0", "101", "-1", "ten", "1.5"}) {
      assertThatThrownBy(() -> Pages.limit(bad)).as(bad).isInstanceOf(ApiException.class);
    }
  }

  @Test
  void token_roundTrips_andATokenOfAnotherListOrGarbageIsRefused() {
    String t = Pages.token("runs", "exp-1234abcd-r00002");
    assertThat(t).doesNotContain("runs").doesNotContain("=");
    assertThat(Pages.after("runs", t)).isEqualTo("exp-1234abcd-r00002");
    assertThat(Pages.after("runs", null)).isNull();
    assertThat(Pages.token("runs", null)).isNull();
    assertThatThrownBy(() -> Pages.after("experiments", t)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> Pages.after("runs", "%%%")).isInstanceOf(ApiException.class);
    String traversal = Pages.token("runs", "../../etc");
    assertThatThrownBy(() -> Pages.after("runs", traversal)).isInstanceOf(ApiException.class);
  }
}
