package dev.orchestra.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.shared.EnvVars;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LambdaEntryTest {

  @Test
  void everyCatalogFunctionCanBeBuiltFromItsNameWithoutTouchingAws() {
    for (FunctionCatalog.Entry e : FunctionCatalog.all()) {
      assertThat(new LambdaEntry(new OrchestraConfig(Map.of(EnvVars.FUNCTION, e.name()))))
          .isNotNull();
    }
  }

  @Test
  void anSqsFunctionAnswersAnEmptyBatchWithNoFailures() throws Exception {
    LambdaEntry results =
        new LambdaEntry(
            new OrchestraConfig(
                Map.of(
                    EnvVars.FUNCTION, FunctionCatalog.RESULTS,
                    EnvVars.TABLE, "orchestra-experiments",
                    EnvVars.AWS_REGION, "us-east-1",
                    EnvVars.AWS_ACCESS_KEY_ID, "test",
                    EnvVars.AWS_SECRET_ACCESS_KEY, "test")));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    results.handleRequest(
        new ByteArrayInputStream("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8)), out, null);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"batchItemFailures\":[]}");
  }

  @Test
  void anUnknownOrMissingFunctionNameIsNamed() {
    assertThatThrownBy(
            () -> new LambdaEntry(new OrchestraConfig(Map.of(EnvVars.FUNCTION, "orchestra-nope"))))
        .hasMessageContaining("ORCHESTRA_FUNCTION=orchestra-nope names no function");
    assertThatThrownBy(() -> new LambdaEntry(new OrchestraConfig(Map.of())))
        .hasMessageContaining("ORCHESTRA_FUNCTION is not set");
  }
}
