package dev.orchestra.functions.carrier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.run.RunContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputTailTest {
  @TempDir Path dir;

  @Test
  void of_manyShortLines_keepsTheLastFifty() {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 80; i++) {
      text.append("line ").append(i).append('\n');
    }

    String tail = OutputTail.of(text.toString());

    assertThat(tail.lines()).hasSize(RunContract.TAIL_LINES);
    assertThat(tail).startsWith("line 31\n").endsWith("line 80\n");
  }

  @Test
  void of_longLines_keepsAtMostEightKibibytes_withoutSplittingACharacter() throws Exception {
    String line = "é".repeat(3000) + "\n"; // 6000 bytes
    Path log = Files.writeString(dir.resolve("out.log"), line + line + line);

    String tail = OutputTail.of(log);

    assertThat(tail.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(RunContract.TAIL_BYTES);
    assertThat(tail).endsWith(line).doesNotContain("\uFFFD");
  }

  @Test
  void withNote_appendsOnItsOwnLine() {
    assertThat(OutputTail.withNote("no newline", "note\n")).isEqualTo("no newline\nnote\n");
    assertThat(OutputTail.withNote("", "note\n")).isEqualTo("note\n");
  }
}
