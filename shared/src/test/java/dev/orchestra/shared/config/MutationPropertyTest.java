package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Random mutations of the valid example files. The only allowed outcomes are a model or findings:
 * never another exception, a hang or running out of memory.
 */
class MutationPropertyTest {
  static final List<String> VALID = load();

  static List<String> load() {
    List<String> texts = new ArrayList<>();
    for (String f :
        List.of(
            "sigopt/experiment.yml",
            "sigopt/run.yml",
            "sigopt/cluster-with-s3-access.yml",
            "clusters/gpu.yml")) {
      try {
        texts.add(Files.readString(Path.of("../examples", f)));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return texts;
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  @Property(tries = 500, shrinking = ShrinkingMode.OFF)
  void mutatedFile_givesAModelOrFindings_quickly(@ForAll("seeds") long seed) {
    Random random = new Random(seed);
    String text = VALID.get(random.nextInt(VALID.size()));
    int mutations = 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) {
      text = mutate(text, random);
    }
    long start = System.nanoTime();
    Parsed<?> parsed;
    try {
      parsed = ConfigParser.parse(null, "mutant.yml", text);
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      throw new AssertionError("seed " + seed + " threw on:\n" + text, e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(parsed.ok() || !parsed.findings().isEmpty()).isTrue();
    assertThat(parsed.ok() && !parsed.findings().isEmpty()).isFalse();
    parsed
        .findings()
        .forEach(
            f -> {
              assertThat(f.file()).isEqualTo("mutant.yml");
              assertThat(f.path()).isNotNull();
              assertThat(f.problem()).isNotBlank();
              assertThat(f.fix()).isNotBlank();
            });
    assertThat(took).as("seed %d", seed).isLessThan(Duration.ofSeconds(1));
  }

  static String mutate(String text, Random r) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    int at = r.nextInt(lines.size());
    switch (r.nextInt(11)) {
      case 0 -> lines.remove(at);
      case 1 -> lines.add(at, lines.get(at));
      case 2 -> {
        // Change one character.
        String line = lines.get(at);
        if (!line.isEmpty()) {
          int c = r.nextInt(line.length());
          String chars = " :-[]{}&*!|>'\"#%@,?\t0a.1";
          char replacement = chars.charAt(r.nextInt(chars.length()));
          lines.set(at, line.substring(0, c) + replacement + line.substring(c + 1));
        }
      }
      case 3 -> {
        // Swap a value's type.
        String line = lines.get(at);
        int colon = line.indexOf(": ");
        if (colon > 0) {
          String[] values = {
            "1", "-1", "0", "1.5", "'1'", "true", "[]", "{}", "~", "x", "1e999", ".inf", "[a, 1]",
            "{a: 1}"
          };
          lines.set(at, line.substring(0, colon + 2) + values[r.nextInt(values.length)]);
        }
      }
      case 4 -> {
        // Anchor a line's value and alias it elsewhere.
        String line = lines.get(at);
        int colon = line.indexOf(':');
        if (colon > 0) {
          lines.set(at, line.substring(0, colon + 1) + " &x" + line.substring(colon + 1));
          lines.add("extra_" + r.nextInt(100) + ": *x");
        }
      }
      case 5 -> {
        // Deep nesting.
        int depth = 1 + r.nextInt(200);
        lines.add(at, "deep: " + "[".repeat(depth) + "]".repeat(depth));
      }
      case 6 -> lines.add(at, "---");
      case 7 -> {
        // Indent or dedent a line.
        String line = lines.get(at);
        lines.set(at, r.nextBoolean() ? "  " + line : line.stripLeading());
      }
      case 8 ->
          lines.add(at, lines.get(r.nextInt(lines.size())).replaceAll("\\w+", "k" + r.nextInt(9)));
      case 9 -> {
        // Many aliases of a list.
        lines.add("big: &big [1, 2, 3]");
        for (int i = 0; i < 30; i++) {
          lines.add("a" + i + ": *big");
        }
      }
      default -> {
        // Truncate.
        String joined = String.join("\n", lines);
        return joined.substring(0, r.nextInt(joined.length() + 1));
      }
    }
    return String.join("\n", lines);
  }
}
