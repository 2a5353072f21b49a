package dev.orchestra.shared.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExperimentIdsTest {

  @Test
  void slug_lowercasesAndCollapsesOtherCharacters_toAtMost40() {
    assertThat(ExperimentIds.slug("SGD Classifier HPO")).isEqualTo("sgd-classifier-hpo");
    assertThat(ExperimentIds.slug("  --Über__net  ")).isEqualTo("ber-net");
    assertThat(ExperimentIds.slug("x".repeat(50))).hasSize(40);
    assertThat(ExperimentIds.slug("???")).isEqualTo("experiment");
  }

  @Test
  void forDrop_sameDropSameId_changedContentNewId() {
    String a = ExperimentIds.forDrop("Branin", "b", "experiments/x/experiment.yml", "e1");
    assertThat(ExperimentIds.forDrop("Branin", "b", "experiments/x/experiment.yml", "e1"))
        .isEqualTo(a);
    assertThat(ExperimentIds.forDrop("Branin", "b", "experiments/x/experiment.yml", "e2"))
        .isNotEqualTo(a);
    assertThat(a).matches("branin-[0-9a-f]{8}");
  }

  @Test
  void runId_isExperimentIdPlusFiveDigits_andParsesBack() {
    String run = ExperimentIds.runId("branin-0123abcd", 7);
    assertThat(run).isEqualTo("branin-0123abcd-r00007");
    assertThat(ExperimentIds.runNumber(run)).isEqualTo(7);
    assertThat(ExperimentIds.experimentOf(run)).isEqualTo("branin-0123abcd");
    // Execution names are at most 80 characters; Job names <run id>-a<n> at most 63.
    String longest = ExperimentIds.runId(ExperimentIds.forIdempotencyKey("y".repeat(99), "k"), 1);
    assertThat(longest.length() + "-a3".length()).isLessThanOrEqualTo(63);
  }
}
