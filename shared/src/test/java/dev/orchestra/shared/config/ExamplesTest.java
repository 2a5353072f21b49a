package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The repository's copies of SigOpt's files and Orchestra's own examples. */
class ExamplesTest {
  static final Path EXAMPLES = Path.of("..", "examples");

  static String read(String relative) throws IOException {
    return Files.readString(EXAMPLES.resolve(relative));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sigopt/experiment.yml",
        "sigopt/run.yml",
        "sigopt/cluster-with-s3-access.yml",
        "clusters/gpu.yml"
      })
  void example_isValid_withItsKindInferred(String file) throws IOException {
    Parsed<?> p = ConfigParser.parse(null, file, read(file));
    assertThat(p.findings()).isEmpty();
  }

  @Test
  void sigoptCluster_pinsAVersionEksNoLongerOffers() throws IOException {
    Parsed<ClusterConfig> p = ConfigParser.parseCluster("cluster.yml", read("sigopt/cluster.yml"));
    assertThat(p.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.path()).isEqualTo("kubernetes_version");
              assertThat(f.problem())
                  .contains("'1.20' is not offered by EKS")
                  .contains(String.join(", ", EksVersions.SUPPORTED));
              assertThat(f.fix()).contains("kubernetes_version: '" + EksVersions.newest() + "'");
            });
  }

  @Test
  void sigoptExamples_meanWhatSigOptMeant() throws IOException {
    ExperimentConfig e =
        ConfigParser.parseExperiment("experiment.yml", read("sigopt/experiment.yml")).value();
    assertThat(e.name()).isEqualTo("SGD Classifier HPO");
    assertThat(e.budget()).isEqualTo(60);
    assertThat(e.parallelBandwidth()).isEqualTo(2);
    assertThat(e.parameters()).extracting(p -> p.name()).containsExactly("l1_ratio", "log_alpha");
    assertThat(e.parameters().get(1).min()).isEqualTo(-5.0);

    RunConfig r = ConfigParser.parseRun("run.yml", read("sigopt/run.yml")).value();
    assertThat(r.run().argv()).containsExactly("sh", "-c", "python model.py");
    assertThat(r.resources().gpus()).isEqualTo(1);
    assertThat(r.resources().requests().memory().toString()).isEqualTo("512Mi");
    assertThat(
            dev.orchestra.shared.run.ImageReferences.resolve(
                r.image(), "123456789012", "us-west-2"))
        .isEqualTo("123456789012.dkr.ecr.us-west-2.amazonaws.com/my-run:latest");

    ClusterConfig gpu = ConfigParser.parseCluster("gpu.yml", read("clusters/gpu.yml")).value();
    assertThat(gpu.kubernetesVersion()).isNull();
    assertThat(gpu.gpuAmiType()).isEqualTo(GpuFamilies.AL2023_X86_64_NVIDIA);
  }
}
