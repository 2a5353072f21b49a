package dev.orchestra.functions.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.cluster.ClusterNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What BootstrapKubernetes applies, against fabric8's mock Kubernetes API in CRUD mode. */
@EnableKubernetesMockClient(crud = true, https = false)
class ClusterKubernetesTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void apply_writesEachObjectAsBuilt_atItsBuiltInPath_andAgainIsHarmless() throws Exception {
    List<HasMetadata> objects = ClusterKubernetes.objects("apply-a", "1.31", true);
    int before = server.getRequestCount();

    assertThat(ClusterKubernetes.apply(client, objects)).isEqualTo(7);
    assertThat(ClusterKubernetes.apply(client, ClusterKubernetes.objects("apply-a", "1.31", true)))
        .isEqualTo(7);

    // Applied as generic objects, read back typed: the content is the typed objects' own.
    Deployment autoscaler =
        client
            .apps()
            .deployments()
            .inNamespace(ClusterNames.AUTOSCALER_NAMESPACE)
            .withName(ClusterNames.AUTOSCALER_SERVICE_ACCOUNT)
            .get();
    Deployment built = (Deployment) objects.get(objects.size() - 1);
    assertThat(autoscaler.getSpec()).isEqualTo(built.getSpec());
    assertThat(autoscaler.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand())
        .contains(
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,"
                + "k8s.io/cluster-autoscaler/apply-a");
    DaemonSet plugin =
        client
            .apps()
            .daemonSets()
            .inNamespace("kube-system")
            .withName("nvidia-device-plugin")
            .get();
    assertThat(plugin.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(ClusterKubernetes.DEVICE_PLUGIN_IMAGE);
    ClusterRole role =
        client.rbac().clusterRoles().withName(ClusterNames.AUTOSCALER_SERVICE_ACCOUNT).get();
    assertThat(role.getRules())
        .isEqualTo(
            objects.stream()
                .filter(ClusterRole.class::isInstance)
                .map(o -> ((ClusterRole) o).getRules())
                .findFirst()
                .orElseThrow());
    ClusterRoleBinding binding =
        client.rbac().clusterRoleBindings().withName(ClusterNames.AUTOSCALER_SERVICE_ACCOUNT).get();
    assertThat(binding.getSubjects().get(0).getNamespace())
        .isEqualTo(ClusterNames.AUTOSCALER_NAMESPACE);
    assertThat(client.namespaces().withName(ClusterNames.RUNS_NAMESPACE).get()).isNotNull();
    assertThat(
            client
                .serviceAccounts()
                .inNamespace(ClusterNames.RUNS_NAMESPACE)
                .withName(ClusterNames.REPORTER_SERVICE_ACCOUNT)
                .get())
        .isNotNull();

    // Every request went to an object's own path: none asked the server which resources a group
    // serves (discovery), which generic objects of unknown kinds would need.
    List<String> paths = new ArrayList<>();
    int sent = server.getRequestCount() - before;
    for (int i = 0; i < sent; i++) {
      RecordedRequest r = server.takeRequest();
      paths.add(r.getMethod() + " " + r.getPath());
    }
    assertThat(paths)
        .isNotEmpty()
        .allSatisfy(
            p ->
                assertThat(p)
                    .matches(
                        "(POST|PUT|GET|PATCH) /(api/v1|apis/(apps|rbac\\.authorization\\.k8s\\.io)/v1)"
                            + "/(namespaces/[^/]+/)?[a-z]+(/[a-z0-9-]+)?(\\?.*)?"));
  }
}
