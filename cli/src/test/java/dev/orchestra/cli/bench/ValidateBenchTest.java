package dev.orchestra.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.cli.Orchestra;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ValidateBenchTest {

  @Test
  void percentile_isNearestRank() {
    List<Double> ten = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
    assertThat(ValidateBench.percentile(ten, 50)).isEqualTo(5.0);
    assertThat(ValidateBench.percentile(ten, 90)).isEqualTo(9.0);
    assertThat(ValidateBench.percentile(List.of(0.7), 90)).isEqualTo(0.7);
  }

  @Test
  void bench_listsValidate() {
    CommandLine cl = Orchestra.newCommandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("bench")).isZero();
    assertThat(out.toString()).contains("validate");
  }

  @Test
  void benchValidate_withoutTheScript_isAUserError() {
    String home = System.getProperty("orchestra.home");
    System.setProperty("orchestra.home", "/nonexistent-orchestra-home");
    try {
      CommandLine cl = Orchestra.newCommandLine();
      StringWriter err = new StringWriter();
      cl.setErr(new PrintWriter(err));
      assertThat(cl.execute("bench", "validate", "--runs", "1")).isEqualTo(2);
      assertThat(err.toString()).contains("cannot find the orchestra script");
    } finally {
      if (home == null) {
        System.clearProperty("orchestra.home");
      } else {
        System.setProperty("orchestra.home", home);
      }
    }
  }
}
