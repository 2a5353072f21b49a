package dev.orchestra.shared.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** parse → model → YAML (and JSON) → parse gives the same model, credentials excluded. */
class RoundTripTest {

  static Stream<String> clusters() throws IOException {
    return Stream.of(
        Files.readString(Path.of("../examples/sigopt/cluster-with-s3-access.yml")),
        Files.readString(Path.of("../examples/clusters/gpu.yml")),
        """
        cluster_name: full_cluster-1
        provider: custom
        kubernetes_version: '1.34'
        cpu: {instance_type: c5.2xlarge, min_nodes: 1, max_nodes: 8, spot: true, node_volume_size: 200}
        gpu: {instance_type: g5g.xlarge, min_nodes: 0, max_nodes: 4, spot: true}
        system: {instance_type: t3.xlarge, min_nodes: 2, max_nodes: 5, node_volume_size: 50}
        aws:
          aws_access_key_id: AKIAKEEPOUT
          aws_secret_access_key: KEEPOUTSECRET
          additional_policies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, arn:aws:iam::123456789012:policy/p/q]
        tags: {team: ml, 'cost center': '42', empty: ''}
        idle_timeout_minutes: 90
        idle_action: destroy
        """);
  }

  @ParameterizedTest
  @MethodSource("clusters")
  void cluster_roundTrips(String yaml) {
    ClusterConfig model = ConfigParser.parseCluster("c.yml", yaml).value();
    assertThat(model).isNotNull();
    String written = ConfigWriter.toYaml(model);
    assertThat(ConfigParser.parseCluster("c.yml", written).value()).isEqualTo(model.redacted());
    String json = ConfigWriter.toJson(ConfigWriter.tree(model));
    assertThat(ConfigParser.parseCluster("c.json", json).value()).isEqualTo(model.redacted());
    assertThat(written + json).doesNotContain("KEEPOUT");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "name: My Run\nrun: python model.py\nimage: my-run\n",
        "run: [python, 'a b.py', \"--x=$Y\"]\n",
        "run: x\nresources:\n  requests: {cpu: 0.5, memory: 1e9, ephemeral-storage: 1Gi}\n"
            + "  limits: {cpu: 1500m, memory: 2G, ephemeral-storage: 10Gi}\n  gpus: 2\n",
        "run: x\nimage: ghcr.io/org/img:1.0\naws: {aws_access_key_id: AKIAKEEPOUT, aws_secret_access_key: KEEPOUT}\n"
      })
  void run_roundTrips(String yaml) {
    RunConfig model = ConfigParser.parseRun("r.yml", yaml).value();
    assertThat(model).isNotNull();
    String written = ConfigWriter.toYaml(model);
    assertThat(ConfigParser.parseRun("r.yml", written).value()).isEqualTo(model.redacted());
    String json = ConfigWriter.toJson(ConfigWriter.tree(model));
    assertThat(ConfigParser.parseRun("r.json", json).value()).isEqualTo(model.redacted());
    assertThat(written + json).doesNotContain("KEEPOUT");
  }

  static Stream<String> experiments() throws IOException {
    return Stream.of(
        Files.readString(Path.of("../examples/sigopt/experiment.yml")),
        """
        name: Everything
        metrics:
          - accuracy
          - {name: latency, objective: minimize, threshold: 0.25}
          - {name: size, strategy: constraint, objective: minimize, threshold: 100}
          - {name: notes, strategy: store}
        parameters:
          - {name: lr, type: double, bounds: {min: 1.0e-5, max: 0.5}, transformation: log, grid: [0.001, 0.01]}
          - {name: layers, type: int, bounds: {min: 1, max: 6}, grid: [2, 4]}
          - {name: depth, type: int, bounds: {min: -3, max: 3}}
          - {name: opt, type: categorical, categorical_values: [{name: adam}, sgd], grid: [sgd]}
        type: grid
        budget: 12
        parallel_bandwidth: 3
        max_failed_runs: 4
        pool: gpu-pool
        max_run_minutes: 12.5
        run:
          name: inner
          run: [python, train.py]
          resources: {requests: {cpu: 2}, gpus: 1}
          aws: {aws_access_key_id: AKIAKEEPOUT, aws_secret_access_key: KEEPOUTTOO}
        """,
        "name: r\nmetrics: [m]\nparameters: [{name: x, type: int, bounds: {min: 0, max: 5}}]\n"
            + "type: random\nbudget: 9\ncluster: c-1\n");
  }

  @ParameterizedTest
  @MethodSource("experiments")
  void experiment_roundTrips(String yaml) {
    ExperimentConfig model = ConfigParser.parseExperiment("e.yml", yaml).value();
    assertThat(model).isNotNull();
    String written = ConfigWriter.toYaml(model);
    assertThat(ConfigParser.parseExperiment("e.yml", written).value()).isEqualTo(model.redacted());
    String json = ConfigWriter.toJson(ConfigWriter.tree(model));
    assertThat(ConfigParser.parseExperiment("e.json", json).value()).isEqualTo(model.redacted());
    assertThat(written + json).doesNotContain("KEEPOUT");
  }
}
