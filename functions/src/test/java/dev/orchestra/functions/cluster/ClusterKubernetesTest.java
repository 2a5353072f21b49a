package dev.orchestra.functions.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.run.NodeGroups;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What BootstrapKubernetes applies, against fabric8's mock Kubernetes API in CRUD mode. */
@EnableKubernetesMockClient(crud = true, https = false)
class ClusterKubernetesTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void apply_writesEachObjectAsBuilt_atItsBuiltInPath_andAgainIsHarmless() throws Exception {
    List<GenericKubernetesResource> objects = ClusterKubernetes.objects("apply-a", "1.31", true);
    int before = server.getRequestCount();

    assertThat(ClusterKubernetes.apply(client, objects)).isEqualTo(7);
    assertThat(ClusterKubernetes.apply(client, ClusterKubernetes.objects("apply-a", "1.31", true)))
        .isEqualTo(7);

    // Written as plain maps, read back through the typed model: every field written lands in the
    // typed field of that name (a misspelt key would leave it null).
    String sa = ClusterNames.AUTOSCALER_SERVICE_ACCOUNT;
    Deployment autoscaler =
        client
            .apps()
            .deployments()
            .inNamespace(ClusterNames.AUTOSCALER_NAMESPACE)
            .withName(sa)
            .get();
    assertThat(autoscaler.getSpec().getReplicas()).isEqualTo(1);
    assertThat(autoscaler.getSpec().getSelector().getMatchLabels()).containsEntry("app", sa);
    PodSpec pod = autoscaler.getSpec().getTemplate().getSpec();
    assertThat(autoscaler.getSpec().getTemplate().getMetadata().getLabels())
        .isEqualTo(autoscaler.getSpec().getSelector().getMatchLabels());
    assertThat(pod.getServiceAccountName()).isEqualTo(sa);
    assertThat(pod.getNodeSelector()).containsEntry(NodeGroups.LABEL, NodeGroups.SYSTEM);
    assertThat(pod.getPriorityClassName()).isEqualTo("system-cluster-critical");
    Container container = pod.getContainers().get(0);
    assertThat(container.getName()).isEqualTo(sa);
    assertThat(container.getImage()).isEqualTo(ClusterKubernetes.AUTOSCALER_IMAGE + "1.31.0");
    assertThat(container.getCommand())
        .startsWith("./cluster-autoscaler", "--cloud-provider=aws")
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
    assertThat(plugin.getSpec().getSelector().getMatchLabels())
        .isEqualTo(plugin.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app", "nvidia-device-plugin");
    PodSpec pluginPod = plugin.getSpec().getTemplate().getSpec();
    assertThat(pluginPod.getNodeSelector()).containsEntry(NodeGroups.LABEL, NodeGroups.GPU);
    assertThat(pluginPod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(pluginPod.getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo(NodeGroups.GPU_RESOURCE);
              assertThat(t.getOperator()).isEqualTo("Exists");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    Container device = pluginPod.getContainers().get(0);
    assertThat(device.getImage()).isEqualTo(ClusterKubernetes.DEVICE_PLUGIN_IMAGE);
    assertThat(device.getVolumeMounts().get(0).getMountPath())
        .isEqualTo("/var/lib/kubelet/device-plugins");
    assertThat(pluginPod.getVolumes().get(0).getName())
        .isEqualTo(device.getVolumeMounts().get(0).getName());
    assertThat(pluginPod.getVolumes().get(0).getHostPath().getPath())
        .isEqualTo("/var/lib/kubelet/device-plugins");

    ClusterRole role = client.rbac().clusterRoles().withName(sa).get();
    assertThat(role.getRules()).hasSize(13);
    assertThat(role.getRules().get(0).getApiGroups()).containsExactly("");
    assertThat(role.getRules().get(0).getResources()).containsExactly("events", "endpoints");
    assertThat(role.getRules().get(0).getVerbs()).containsExactly("create", "patch");
    assertThat(role.getRules())
        .anySatisfy(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
              assertThat(r.getResources()).containsExactly("leases");
            });
    ClusterRoleBinding binding = client.rbac().clusterRoleBindings().withName(sa).get();
    assertThat(binding.getRoleRef().getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(sa);
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(sa);
              assertThat(s.getNamespace()).isEqualTo(ClusterNames.AUTOSCALER_NAMESPACE);
            });
    assertThat(client.namespaces().withName(ClusterNames.RUNS_NAMESPACE).get()).isNotNull();
    assertThat(
            client
                .serviceAccounts()
                .inNamespace(ClusterNames.RUNS_NAMESPACE)
                .withName(ClusterNames.REPORTER_SERVICE_ACCOUNT)
                .get())
        .isNotNull();
    assertThat(
            client
                .serviceAccounts()
                .inNamespace(ClusterNames.AUTOSCALER_NAMESPACE)
                .withName(sa)
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

  @Test
  void objects_withoutGpu_leaveOutTheDevicePlugin_andRefuseAnUnknownKindOrScope() {
    assertThat(ClusterKubernetes.objects("apply-b", "1.31", false))
        .hasSize(6)
        .noneMatch(o -> o.getKind().equals("DaemonSet"));
    assertThatThrownBy(() -> ClusterKubernetes.object("Pod", "default", "p", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Pod p");
    assertThatThrownBy(() -> ClusterKubernetes.object("Namespace", "default", "runs", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
