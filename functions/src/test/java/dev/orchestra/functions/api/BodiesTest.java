package dev.orchestra.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.shared.config.Finding;
import org.junit.jupiter.api.Test;

class BodiesTest {
  static final String EXPERIMENT =
      "name: e\nmetrics: [{name: v}]\nparameters: [{name: x, type: double, bounds: {min: 0, max:"
          + " 1}}]\nbudget: 1\n";

  @Test
  void yamlBody_withEmbeddedRun_isSentAsIs() {
    Bodies.Submission s =
        Bodies.experiment("application/yaml; charset=utf-8", EXPERIMENT + "run:\n  run: echo\n");
    assertThat(s.experimentText()).startsWith("name: e");
    assertThat(s.runText()).isNull();
    assertThat(s.target()).isNull();
  }

  @Test
  void yamlBody_withoutRun_isInvalidConfigNamingTheRunField() {
    assertThatThrownBy(() -> Bodies.experiment("text/yaml", EXPERIMENT))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo("invalid_config");
              assertThat(e.findings()).extracting(Finding::path).containsExactly("run");
            });
  }

  @Test
  void jsonBody_withObjectsAndTarget_becomesTextAndClusterTarget() {
    Bodies.Submission s =
        Bodies.experiment(
            "application/json",
            "{\"experiment\": {\"name\": \"e\"}, \"run\": {\"run\": \"echo\"}, \"cluster\": \"c1\"}");
    assertThat(s.experimentText()).contains("\"name\":\"e\"");
    assertThat(s.runText()).contains("\"run\":\"echo\"");
    assertThat(s.target()).isEqualTo("cluster/c1");
  }

  @Test
  void credentials_anywhere_areRejectedWithTheirPaths() {
    assertThatThrownBy(
            () ->
                Bodies.experiment(
                    "application/json",
                    "{\"experiment\": \"name: e\", \"run\": \"run: x\\naws:\\n "
                        + " aws_secret_access_key: s\\n\"}"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo("credentials_rejected");
              assertThat(e.findings())
                  .singleElement()
                  .satisfies(
                      f -> {
                        assertThat(f.file()).isEqualTo("run.yml");
                        assertThat(f.path()).isEqualTo("aws.aws_secret_access_key");
                      });
              assertThat(e.getMessage()).doesNotContain(" s\n");
            });
    assertThatThrownBy(
            () ->
                Bodies.clusterText(
                    "application/json",
                    "{\"cluster\": {\"nodes\": [{\"AWS_ACCESS_KEY_ID\": \"k\"}]}}"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e ->
                assertThat(e.findings())
                    .extracting(Finding::path)
                    .containsExactly("cluster.nodes[0].AWS_ACCESS_KEY_ID"));
  }

  @Test
  void malformedOrWrongJson_isBadRequest() {
    for (String body :
        new String[] {
          "",
          "{",
          "[]",
          "{\"run\": \"x\"}",
          "{\"experiment\": 1}",
          "{\"experiment\": \"a\", \"cluster\": 3}"
        }) {
      assertThatThrownBy(() -> Bodies.experiment("application/json", body))
          .as(body)
          .isInstanceOfSatisfying(
              ApiException.class, e -> assertThat(e.code()).isEqualTo("bad_request"));
    }
  }

  @Test
  void jsonNestedBeyondTheParsersLimit_isBadRequest_notAnInternalError() {
    // Found by the API request fuzz (seed 55): Jackson's nesting limit fails without a location,
    // and reading the location threw a NullPointerException, which the API answered as a 500.
    String deep =
        "{\"pool\": {\"name\": \"p\"}, \"deep\": " + "[".repeat(1001) + "]".repeat(1001) + "}";
    for (String type : new String[] {"application/json"}) {
      assertThatThrownBy(() -> Bodies.poolText(type, deep))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.code()).isEqualTo("bad_request");
                assertThat(e.getMessage()).contains("not valid JSON").contains("nesting depth");
              });
      assertThatThrownBy(() -> Bodies.experiment(type, deep)).isInstanceOf(ApiException.class);
      assertThatThrownBy(() -> Bodies.clusterText(type, deep)).isInstanceOf(ApiException.class);
    }
  }
}
