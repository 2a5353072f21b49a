package dev.orchestra.functions.carrier;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsFileTest {
  @TempDir Path dir;

  @Test
  void read_numbersAndPythonNonFiniteTokens_becomeNumbersAndStrings() throws Exception {
    Path f =
        Files.writeString(
            dir.resolve("m.json"),
            "{\"a\": 0.25, \"n\": 3, \"x\": NaN, \"y\": Infinity, \"z\": -Infinity}");

    MetricsFile.Reading r = MetricsFile.read(f);

    assertThat(r.problem()).isNull();
    assertThat(r.metrics())
        .containsEntry("a", 0.25)
        .containsEntry("n", 3L)
        .containsEntry("x", "NaN")
        .containsEntry("y", "Infinity")
        .containsEntry("z", "-Infinity");
  }

  @Test
  void read_missingFile_givesNoMetricsAndSaysWhy() {
    MetricsFile.Reading r = MetricsFile.read(dir.resolve("absent.json"));

    assertThat(r.metrics()).isNull();
    assertThat(r.problem()).contains("no metrics file");
  }

  @Test
  void read_notAnObject_givesNoMetricsAndSaysWhatItHolds() throws Exception {
    MetricsFile.Reading array =
        MetricsFile.read(Files.writeString(dir.resolve("a.json"), "[1, 2]"));
    MetricsFile.Reading broken =
        MetricsFile.read(Files.writeString(dir.resolve("b.json"), "{\"a\": "));

    assertThat(array.metrics()).isNull();
    assertThat(array.problem()).contains("one JSON object").contains("array");
    assertThat(broken.metrics()).isNull();
    assertThat(broken.problem()).contains("not valid JSON");
  }
}
