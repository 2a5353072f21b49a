package dev.orchestra.shared.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageReferencesTest {

  @Test
  void bareName_meansTheAccountsEcrRepository_tagLatest() {
    assertThat(ImageReferences.resolve("my-run", "123456789012", "us-west-2"))
        .isEqualTo("123456789012.dkr.ecr.us-west-2.amazonaws.com/my-run:latest");
    assertThat(ImageReferences.resolve("team/my-run", "123456789012", "eu-central-1"))
        .isEqualTo("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/my-run:latest");
  }

  @Test
  void fullReference_isUsedAsWritten() {
    for (String image :
        new String[] {
          "python:3.12",
          "ghcr.io/org/train",
          "localhost/train",
          "localhost:5000/train",
          "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-run:v3",
          "org/train@sha256:" + "a".repeat(64)
        }) {
      assertThat(ImageReferences.resolve(image, "123456789012", "us-west-2")).isEqualTo(image);
    }
  }

  @Test
  void bareName_withBadAccount_isRefused() {
    assertThatThrownBy(() -> ImageReferences.resolve("my-run", "12", "us-west-2"))
        .hasMessageContaining("12 digits");
  }
}
