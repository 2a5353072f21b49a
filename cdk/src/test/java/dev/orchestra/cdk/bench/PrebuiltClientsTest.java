package dev.orchestra.cdk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients.Client;
import dev.orchestra.shared.EnvVars;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A function's init builds ahead only clients its role lets it use (and scripts/cold-start.sh
 * checks the clients each JVM really built against the same list).
 */
class PrebuiltClientsTest {

  private static String sdkName(Client c) {
    return switch (c) {
      case DYNAMODB -> "DynamoDb";
      case S3 -> "S3";
      case SFN -> "Sfn";
      case SQS -> "Sqs";
      case EKS -> "Eks";
      case IAM -> "Iam";
      case EC2 -> "Ec2";
      case EVENTBRIDGE -> "EventBridge";
    };
  }

  @Test
  void everyFunctionPrebuildsOnlyClientsItsRoleAllows_inEveryConfiguration() {
    List<OrchestraConfig> configs =
        List.of(
            new OrchestraConfig(Map.of()),
            new OrchestraConfig(Map.of(EnvVars.SUBNET_IDS, "subnet-1")),
            new OrchestraConfig(Map.of(EnvVars.K8S_ENDPOINT, "https://127.0.0.1:6443")));
    for (FunctionCatalog.Entry e : FunctionCatalog.all()) {
      var allowed = ColdStartProbe.allowedClients(e.name());
      for (OrchestraConfig config : configs) {
        assertThat(e.clients().apply(config).stream().map(PrebuiltClientsTest::sdkName))
            .as(e.name())
            .allSatisfy(c -> assertThat(allowed).contains(c));
      }
    }
  }
}
