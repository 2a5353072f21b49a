package dev.orchestra.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.shared.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StateMachineErrorNamesTest {
  private static final Path DIR = Path.of("..", "statemachines");

  @Test
  void everyErrorEquals_isAKnownConstant() throws IOException {
    List<String> used = new ArrayList<>();
    for (Path p : aslFiles()) {
      collect(Json.MAPPER.readTree(p.toFile()), used);
    }
    assertThat(used).isNotEmpty().allSatisfy(name -> assertThat(Errors.ALL).contains(name));
    assertThat(used).contains(Errors.RUN_FAILED, Errors.STATES_HEARTBEAT_TIMEOUT);
  }

  @Test
  void everyFqcnConstant_namesAClassThatExists() throws Exception {
    for (String name : Errors.ALL) {
      if (name.startsWith("dev.orchestra.")) {
        assertThat(Class.forName(name).getName()).isEqualTo(name);
      }
    }
  }

  @Test
  void everyLambdaTask_retriesLambdasTransientErrors() throws IOException {
    for (Path p : aslFiles()) {
      JsonNode states = Json.MAPPER.readTree(p.toFile()).path("States");
      states
          .fields()
          .forEachRemaining(
              e -> {
                JsonNode s = e.getValue();
                if (s.path("Resource").asText().startsWith("arn:aws:states:::lambda:invoke")) {
                  Set<String> retried = new TreeSet<>();
                  s.path("Retry")
                      .forEach(r -> r.path("ErrorEquals").forEach(n -> retried.add(n.asText())));
                  assertThat(retried)
                      .as("%s in %s", e.getKey(), p.getFileName())
                      .containsAll(Errors.LAMBDA_TRANSIENT);
                }
              });
    }
  }

  @Test
  void placeholders_areOnlyKnownFunctionArns() throws IOException {
    Pattern placeholder = Pattern.compile("\\$\\{([A-Za-z]+)}");
    for (Path p : aslFiles()) {
      Matcher m = placeholder.matcher(Files.readString(p));
      while (m.find()) {
        assertThat(FunctionCatalog.ARN_PLACEHOLDERS).containsKey(m.group(1));
        assertThat(FunctionCatalog.find(FunctionCatalog.ARN_PLACEHOLDERS.get(m.group(1))))
            .isPresent();
      }
    }
  }

  private static List<Path> aslFiles() throws IOException {
    try (Stream<Path> s = Files.list(DIR)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".asl.json")).sorted().toList();
      assertThat(files).hasSizeGreaterThanOrEqualTo(2);
      return files;
    }
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("ErrorEquals")) {
                  e.getValue().forEach(n -> out.add(n.asText()));
                } else {
                  collect(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }
}
