package dev.orchestra.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.aws.AwsClients.Client;
import dev.orchestra.functions.cluster.ClusterStepHandler.Step;
import dev.orchestra.shared.EnvVars;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionCatalogTest {
  private static final OrchestraConfig DEPLOYED = new OrchestraConfig(Map.of());

  @Test
  void findSubnets_prebuildsEc2_onlyWhenItMustLookTheDefaultSubnetsUp_andCreateClusterNever() {
    OrchestraConfig configured =
        new OrchestraConfig(Map.of(EnvVars.SUBNET_IDS, "subnet-1,subnet-2"));
    assertThat(FunctionCatalog.clusterClients(Step.FIND_SUBNETS, DEPLOYED))
        .containsExactly(Client.EC2);
    assertThat(FunctionCatalog.clusterClients(Step.FIND_SUBNETS, configured)).isEmpty();
    for (OrchestraConfig c : java.util.List.of(DEPLOYED, configured)) {
      assertThat(FunctionCatalog.clusterClients(Step.CREATE_CLUSTER, c))
          .containsExactlyInAnyOrder(Client.DYNAMODB, Client.EKS);
    }
  }

  @Test
  void bootstrapKubernetes_prebuildsEks_onlyWhenItFindsTheEndpointThroughEks() {
    assertThat(FunctionCatalog.clusterClients(Step.BOOTSTRAP_KUBERNETES, DEPLOYED))
        .containsExactlyInAnyOrder(Client.DYNAMODB, Client.EKS);
    assertThat(
            FunctionCatalog.clusterClients(
                Step.BOOTSTRAP_KUBERNETES,
                new OrchestraConfig(Map.of(EnvVars.K8S_ENDPOINT, "https://127.0.0.1:6443"))))
        .containsExactly(Client.DYNAMODB);
  }

  @Test
  void everyFunction_prebuildsAtLeastTheClientItsEveryInvocationStartsWith() {
    for (FunctionCatalog.Entry e : FunctionCatalog.all()) {
      assertThat(e.clients().apply(DEPLOYED)).as(e.name()).isNotEmpty();
    }
    assertThat(FunctionCatalog.find(FunctionCatalog.API).orElseThrow().clients().apply(DEPLOYED))
        .containsExactly(Client.DYNAMODB);
  }
}
