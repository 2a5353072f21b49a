package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class YamlLoaderTest {

  /** Loose enough for a slow, shared CI machine; a bomb that expanded would take far longer. */
  static final Duration FAST = Duration.ofSeconds(1);

  static YamlLoader.Loaded load(String text) {
    return YamlLoader.load("f.yml", text);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        arguments("empty", "", "", "the file is empty"),
        arguments("blank lines", "\n\n  \n", "", "the file is empty"),
        arguments("comments only", "# nothing\n# here\n", "", "the file is empty"),
        arguments("explicit null", "~\n", "", "the file is empty"),
        arguments("document marker only", "---\n", "", "the file is empty"),
        arguments("list", "- a\n- b\n", "", "the document is a list, not a mapping"),
        arguments("scalar", "hello\n", "", "the document is a string, not a mapping"),
        arguments("number", "42\n", "", "the document is a number, not a mapping"),
        arguments("two documents", "a: 1\n---\nb: 2\n", "", "more than one YAML document"),
        arguments("unclosed bracket", "a: [1, 2\n", "a", "YAML syntax error at line 2, column 1"),
        arguments("bad indentation", "a:\n  b: 1\n c: 2\n", "", "YAML syntax error at line 3"),
        arguments("mapping in scalar", "a: b: c\n", "", "YAML syntax error at line 1, column 5"),
        arguments("tab indentation", "a:\n\tb: 1\n", "a", "YAML syntax error at line 2"),
        arguments("duplicate key", "a: 1\nb: 2\na: 3\n", "", "duplicate key at line 3"),
        arguments("nested duplicate", "a:\n  x: 1\n  x: 2\n", "a", "the field 'x'"),
        arguments(
            "unknown alias", "a: *nope\n", "a", "the alias *nope refers to no mapping or list"),
        arguments("alias of a single value", "a: &v x\nb: *v\n", "b", "anchors on single values"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void load_whenNotOneMapping_isOneFinding(String name, String text, String path, String problem) {
    YamlLoader.Loaded loaded = load(text);
    assertThat(loaded.ok()).isFalse();
    assertThat(loaded.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.file()).isEqualTo("f.yml");
              assertThat(f.path()).isEqualTo(path);
              assertThat(f.problem()).contains(problem);
              assertThat(f.fix()).isNotBlank();
            });
  }

  @Test
  void aliases_withinLimits_areExpanded() {
    YamlLoader.Loaded loaded =
        load("base: &b {instance_type: m5.large, min_nodes: 0}\ncpu: *b\nl: &l [x]\nother: *l\n");
    assertThat(loaded.ok()).isTrue();
    assertThat(loaded.root().get("cpu").get("instance_type").asText()).isEqualTo("m5.large");
    assertThat(loaded.root().get("other").get(0).asText()).isEqualTo("x");
  }

  @Test
  void mergeKey_isAFindingNotASilentField() {
    Parsed<?> p =
        ConfigParser.parse(ConfigKind.RUN, "f.yml", "base: &b {run: x}\n<<: *b\nrun: y\n");
    assertThat(p.findings())
        .extracting(Finding::path, Finding::problem)
        .contains(
            org.assertj.core.groups.Tuple.tuple("<<", "YAML merge keys (<<) are not supported"));
  }

  @Test
  void unquotedDecimal_keepsItsWrittenForm() {
    YamlLoader.Loaded loaded = load("v: 1.30\n");
    assertThat(loaded.root().get("v").decimalValue().toPlainString()).isEqualTo("1.30");
  }

  static Stream<Arguments> bombs() {
    return Stream.of(
        arguments("billion laughs", (Supplier<String>) YamlLoaderTest::billionLaughs, "aliases"),
        arguments(
            "wide alias fan-out",
            (Supplier<String>) YamlLoaderTest::wideFanOut,
            "expands to more than"),
        arguments(
            "flow nesting bomb",
            (Supplier<String>) () -> "a: " + "[".repeat(500_000) + "]".repeat(500_000),
            "nested more than 30 levels"),
        arguments(
            "block nesting bomb",
            (Supplier<String>) YamlLoaderTest::blockNesting,
            "nested more than 30 levels"),
        arguments(
            "file over 1 MiB",
            (Supplier<String>) () -> "a: '" + "x".repeat(1024 * 1024) + "'\n",
            "above the limit of 1048576 bytes"),
        arguments(
            "multi-byte file over 1 MiB",
            (Supplier<String>) () -> "a: '" + "é".repeat(600_000) + "'\n",
            "above the limit"),
        arguments(
            "huge file", (Supplier<String>) () -> "k: v\n".repeat(5_000_000), "above the limit"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bombs")
  void load_whenHostile_refusesFastWithoutMemoryBlowUp(
      String name, Supplier<String> text, String problem) {
    String input = text.get();
    long start = System.nanoTime();
    YamlLoader.Loaded loaded = load(input);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(loaded.ok()).isFalse();
    assertThat(loaded.findings())
        .singleElement()
        .satisfies(f -> assertThat(f.problem()).contains(problem));
    assertThat(took).isLessThan(FAST);
  }

  /** Ten levels, each referring ten times to the one below: 10^10 strings if expanded. */
  static String billionLaughs() {
    StringBuilder sb = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i <= 9; i++) {
      sb.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      sb.append("]\n");
    }
    return sb.toString();
  }

  /** Few aliases, but each of a large list: the expansion budget stops it. */
  static String wideFanOut() {
    StringBuilder sb = new StringBuilder("big: &big [");
    for (int i = 0; i < 20_000; i++) {
      sb.append(i == 0 ? "" : ",").append(i);
    }
    sb.append("]\n");
    for (int i = 0; i < 15; i++) {
      sb.append("c").append(i).append(": *big\n");
    }
    return sb.toString();
  }

  static String blockNesting() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      sb.append(" ".repeat(i)).append("k:\n");
    }
    return sb.toString();
  }
}
