package dev.orchestra.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.Parsed;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cluster file the CLI hands to the workflow never carries the signing credentials. */
class SendableClusterFileTest {
  private static final String KEY = "AKIACANARY0000000001";
  private static final String SECRET = "canary/secret+value0000000000000000000001";

  static Stream<String> files() {
    String body =
        "cluster_name: canary\ncpu:\n  instance_type: t3.large\n  min_nodes: 0\n  max_nodes: 2\n";
    return Stream.of(
        body
            + "aws:\n  aws_access_key_id: "
            + KEY
            + "\n  aws_secret_access_key: "
            + SECRET
            + "\n  additional_policies:\n    - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n",
        body + "aws: {aws_access_key_id: " + KEY + ", aws_secret_access_key: \"" + SECRET + "\"}\n",
        body
            + "aws:\n  aws_access_key_id: >-\n    "
            + KEY
            + "\n  aws_secret_access_key: '"
            + SECRET
            + "'\n");
  }

  @ParameterizedTest
  @MethodSource("files")
  void sendable_dropsCredentials_inEveryYamlStyle_andKeepsTheRest(String file) {
    Parsed<ClusterConfig> parsed = ConfigParser.parseCluster("cluster.yml", file);
    assertThat(parsed.findings()).isEmpty();

    String sent = ClusterCommand.sendable(parsed.value());

    assertThat(sent).doesNotContain(KEY).doesNotContain(SECRET);
    Parsed<ClusterConfig> again = ConfigParser.parseCluster("cluster.yml", sent);
    assertThat(again.findings()).isEmpty();
    assertThat(again.value()).isEqualTo(parsed.value().redacted());
  }
}
