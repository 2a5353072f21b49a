package dev.orchestra.functions.cluster;

import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.run.NodeGroups;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What cluster create applies through the Kubernetes API: the runs namespace and the reporter's
 * ServiceAccount, the NVIDIA device plugin (AL2023 NVIDIA AMIs do not bundle it) and the cluster
 * autoscaler with its RBAC. Deterministic names, create-or-update: a retry is harmless.
 */
public final class ClusterKubernetes {
  /** The device plugin release applied to GPU clusters. */
  public static final String DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.17.2";

  static final String AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler:v";

  private ClusterKubernetes() {}

  /** The objects for a cluster; {@code gpu} adds the device plugin. */
  public static List<HasMetadata> objects(String cluster, String k8sVersion, boolean gpu) {
    List<HasMetadata> out = new ArrayList<>();
    out.add(
        new NamespaceBuilder()
            .withNewMetadata()
            .withName(ClusterNames.RUNS_NAMESPACE)
            .endMetadata()
            .build());
    out.add(
        new ServiceAccountBuilder()
            .withNewMetadata()
            .withName(ClusterNames.REPORTER_SERVICE_ACCOUNT)
            .withNamespace(ClusterNames.RUNS_NAMESPACE)
            .endMetadata()
            .build());
    if (gpu) {
      Map<String, String> labels = Map.of("app", "nvidia-device-plugin");
      out.add(
          new DaemonSetBuilder()
              .withNewMetadata()
              .withName("nvidia-device-plugin")
              .withNamespace("kube-system")
              .endMetadata()
              .withNewSpec()
              .withNewSelector()
              .withMatchLabels(labels)
              .endSelector()
              .withNewTemplate()
              .withNewMetadata()
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withNodeSelector(Map.of(NodeGroups.LABEL, NodeGroups.GPU))
              .withTolerations(
                  new TolerationBuilder()
                      .withKey(NodeGroups.GPU_RESOURCE)
                      .withOperator("Exists")
                      .withEffect("NoSchedule")
                      .build())
              .withPriorityClassName("system-node-critical")
              .addNewContainer()
              .withName("nvidia-device-plugin")
              .withImage(DEVICE_PLUGIN_IMAGE)
              .addNewVolumeMount()
              .withName("device-plugin")
              .withMountPath("/var/lib/kubelet/device-plugins")
              .endVolumeMount()
              .endContainer()
              .addNewVolume()
              .withName("device-plugin")
              .withNewHostPath()
              .withPath("/var/lib/kubelet/device-plugins")
              .endHostPath()
              .endVolume()
              .endSpec()
              .endTemplate()
              .endSpec()
              .build());
    }
    String sa = ClusterNames.AUTOSCALER_SERVICE_ACCOUNT;
    String ns = ClusterNames.AUTOSCALER_NAMESPACE;
    out.add(
        new ServiceAccountBuilder()
            .withNewMetadata()
            .withName(sa)
            .withNamespace(ns)
            .endMetadata()
            .build());
    out.add(
        new ClusterRoleBuilder()
            .withNewMetadata()
            .withName(sa)
            .endMetadata()
            .withRules(
                rule("", List.of("events", "endpoints"), List.of("create", "patch")),
                rule("", List.of("pods/eviction"), List.of("create")),
                rule("", List.of("pods/status"), List.of("update")),
                rule("", List.of("endpoints"), List.of("get", "update")),
                rule("", List.of("nodes"), List.of("watch", "list", "get", "update")),
                rule(
                    "",
                    List.of(
                        "namespaces",
                        "pods",
                        "services",
                        "replicationcontrollers",
                        "persistentvolumeclaims",
                        "persistentvolumes"),
                    List.of("watch", "list", "get")),
                rule(
                    "extensions",
                    List.of("replicasets", "daemonsets"),
                    List.of("watch", "list", "get")),
                rule("policy", List.of("poddisruptionbudgets"), List.of("watch", "list")),
                rule(
                    "apps",
                    List.of("statefulsets", "replicasets", "daemonsets"),
                    List.of("watch", "list", "get")),
                rule(
                    "storage.k8s.io",
                    List.of("storageclasses", "csinodes", "csidrivers", "csistoragecapacities"),
                    List.of("watch", "list", "get")),
                rule("batch", List.of("jobs", "cronjobs"), List.of("watch", "list", "get")),
                rule("coordination.k8s.io", List.of("leases"), List.of("create", "get", "update")),
                rule(
                    "",
                    List.of("configmaps"),
                    List.of("create", "list", "watch", "get", "update", "delete")))
            .build());
    out.add(
        new ClusterRoleBindingBuilder()
            .withNewMetadata()
            .withName(sa)
            .endMetadata()
            .withNewRoleRef()
            .withApiGroup("rbac.authorization.k8s.io")
            .withKind("ClusterRole")
            .withName(sa)
            .endRoleRef()
            .addNewSubject()
            .withKind("ServiceAccount")
            .withName(sa)
            .withNamespace(ns)
            .endSubject()
            .build());
    Map<String, String> labels = Map.of("app", sa);
    out.add(
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(sa)
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .withMatchLabels(labels)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withServiceAccountName(sa)
            .withNodeSelector(Map.of(NodeGroups.LABEL, NodeGroups.SYSTEM))
            .withPriorityClassName("system-cluster-critical")
            .addNewContainer()
            .withName(sa)
            .withImage(AUTOSCALER_IMAGE + k8sVersion + ".0")
            .withCommand(
                "./cluster-autoscaler",
                "--cloud-provider=aws",
                "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/"
                    + cluster,
                "--balance-similar-node-groups",
                "--skip-nodes-with-system-pods=false",
                "--expander=least-waste")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build());
    return out;
  }

  /** How many times one object is written again after a 409 Conflict. */
  static final int CONFLICT_ATTEMPTS = 5;

  /**
   * Applies every object (create, or update when present). A 409 Conflict on the update means
   * another writer changed the object between the read and the write (a repeated bootstrap, or
   * clusters sharing one API server, as the local mock does): the object is written again from the
   * latest version, as client-go's RetryOnConflict does.
   */
  public static int apply(KubernetesClient client, List<HasMetadata> objects) {
    KubernetesSerialization json = client.getKubernetesSerialization();
    for (HasMetadata typed : objects) {
      // Written and read back as generic objects at the typed kind's path: the server's answers
      // are parsed into maps, not into the typed model, whose deserializers (a Deployment's reach
      // hundreds of classes) cost a cold start more than the whole apply; and the path comes from
      // the typed class's annotations, not from the client's registry of every kind (it scans the
      // class path) or from asking the API server.
      GenericKubernetesResource o = json.convertValue(typed, GenericKubernetesResource.class);
      var kind =
          client.genericKubernetesResources(
              ResourceDefinitionContext.fromResourceType(typed.getClass()));
      String namespace = o.getMetadata().getNamespace();
      for (int attempt = 1; ; attempt++) {
        o.getMetadata().setResourceVersion(null);
        try {
          (namespace == null ? kind.resource(o) : kind.inNamespace(namespace).resource(o))
              .createOr(NonDeletingOperation::update);
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409 || attempt >= CONFLICT_ATTEMPTS) {
            throw e;
          }
        }
      }
    }
    return objects.size();
  }

  private static io.fabric8.kubernetes.api.model.rbac.PolicyRule rule(
      String group, List<String> resources, List<String> verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(group)
        .withResources(resources)
        .withVerbs(verbs)
        .build();
  }
}
