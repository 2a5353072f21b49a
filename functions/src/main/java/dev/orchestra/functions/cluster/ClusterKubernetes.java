package dev.orchestra.functions.cluster;

import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.run.NodeGroups;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What cluster create applies through the Kubernetes API: the runs namespace and the reporter's
 * ServiceAccount, the NVIDIA device plugin (AL2023 NVIDIA AMIs do not bundle it) and the cluster
 * autoscaler with its RBAC. Deterministic names, create-or-update: a retry is harmless.
 *
 * <p>The objects are written as the manifests a Kubernetes engineer would write: generic objects
 * (apiVersion, kind, metadata and the kind's own fields as plain maps and lists), sent and read
 * back as such. fabric8's typed model would cost a cold start its Jackson (de)serializers (a
 * Deployment's reach hundreds of classes), more than the whole apply.
 */
public final class ClusterKubernetes {
  /** The device plugin release applied to GPU clusters. */
  public static final String DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.17.2";

  static final String AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler:v";

  /**
   * A kind applied here: its API group ("" for the core group) and version, its path segment
   * (plural) and whether it is namespaced.
   */
  private record Kind(String group, String version, String plural, boolean namespaced) {
    String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  private static final String RBAC = "rbac.authorization.k8s.io";

  private static final Map<String, Kind> KINDS =
      Map.of(
          "Namespace", new Kind("", "v1", "namespaces", false),
          "ServiceAccount", new Kind("", "v1", "serviceaccounts", true),
          "DaemonSet", new Kind("apps", "v1", "daemonsets", true),
          "Deployment", new Kind("apps", "v1", "deployments", true),
          "ClusterRole", new Kind(RBAC, "v1", "clusterroles", false),
          "ClusterRoleBinding", new Kind(RBAC, "v1", "clusterrolebindings", false));

  private ClusterKubernetes() {}

  /**
   * The objects for a cluster, in the order they are applied; {@code gpu} adds the device plugin.
   */
  public static List<GenericKubernetesResource> objects(
      String cluster, String k8sVersion, boolean gpu) {
    List<GenericKubernetesResource> out = new ArrayList<>();
    out.add(object("Namespace", null, ClusterNames.RUNS_NAMESPACE, Map.of()));
    out.add(
        object(
            "ServiceAccount",
            ClusterNames.RUNS_NAMESPACE,
            ClusterNames.REPORTER_SERVICE_ACCOUNT,
            Map.of()));
    if (gpu) {
      Map<String, String> labels = Map.of("app", "nvidia-device-plugin");
      String plugins = "/var/lib/kubelet/device-plugins";
      out.add(
          workload(
              "DaemonSet",
              "kube-system",
              "nvidia-device-plugin",
              labels,
              Map.of(),
              Map.of(
                  "nodeSelector",
                  Map.of(NodeGroups.LABEL, NodeGroups.GPU),
                  "tolerations",
                  List.of(
                      Map.of(
                          "key", NodeGroups.GPU_RESOURCE,
                          "operator", "Exists",
                          "effect", "NoSchedule")),
                  "priorityClassName",
                  "system-node-critical",
                  "containers",
                  List.of(
                      Map.of(
                          "name",
                          "nvidia-device-plugin",
                          "image",
                          DEVICE_PLUGIN_IMAGE,
                          "volumeMounts",
                          List.of(Map.of("name", "device-plugin", "mountPath", plugins)))),
                  "volumes",
                  List.of(Map.of("name", "device-plugin", "hostPath", Map.of("path", plugins))))));
    }
    String sa = ClusterNames.AUTOSCALER_SERVICE_ACCOUNT;
    String ns = ClusterNames.AUTOSCALER_NAMESPACE;
    out.add(object("ServiceAccount", ns, sa, Map.of()));
    out.add(
        object(
            "ClusterRole",
            null,
            sa,
            Map.of(
                "rules",
                List.of(
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
                    rule(
                        "coordination.k8s.io",
                        List.of("leases"),
                        List.of("create", "get", "update")),
                    rule(
                        "",
                        List.of("configmaps"),
                        List.of("create", "list", "watch", "get", "update", "delete"))))));
    out.add(
        object(
            "ClusterRoleBinding",
            null,
            sa,
            Map.of(
                "roleRef",
                Map.of("apiGroup", RBAC, "kind", "ClusterRole", "name", sa),
                "subjects",
                List.of(Map.of("kind", "ServiceAccount", "name", sa, "namespace", ns)))));
    Map<String, String> labels = Map.of("app", sa);
    out.add(
        workload(
            "Deployment",
            ns,
            sa,
            labels,
            Map.of("replicas", 1),
            Map.of(
                "serviceAccountName",
                sa,
                "nodeSelector",
                Map.of(NodeGroups.LABEL, NodeGroups.SYSTEM),
                "priorityClassName",
                "system-cluster-critical",
                "containers",
                List.of(
                    Map.of(
                        "name",
                        sa,
                        "image",
                        AUTOSCALER_IMAGE + k8sVersion + ".0",
                        "command",
                        List.of(
                            "./cluster-autoscaler",
                            "--cloud-provider=aws",
                            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/"
                                + cluster,
                            "--balance-similar-node-groups",
                            "--skip-nodes-with-system-pods=false",
                            "--expander=least-waste"))))));
    return out;
  }

  /**
   * One object: {@code namespace} is null for a cluster-scoped kind; {@code fields} are the kind's
   * own top-level fields (spec, rules, roleRef, subjects).
   */
  static GenericKubernetesResource object(
      String kind, String namespace, String name, Map<String, Object> fields) {
    Kind k = KINDS.get(kind);
    if (k == null || k.namespaced() != (namespace != null)) {
      throw new IllegalArgumentException(
          kind + " " + name + ": not a kind applied here, or namespace given for the wrong scope");
    }
    GenericKubernetesResource o = new GenericKubernetesResource();
    o.setApiVersion(k.apiVersion());
    o.setKind(kind);
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(namespace);
    o.setMetadata(meta);
    o.setAdditionalProperties(new LinkedHashMap<>(fields));
    return o;
  }

  /**
   * An apps/v1 workload (DaemonSet, Deployment) whose pods carry {@code labels} and are selected by
   * them; {@code more} holds the kind's other spec fields (a Deployment's replicas).
   */
  private static GenericKubernetesResource workload(
      String kind,
      String namespace,
      String name,
      Map<String, String> labels,
      Map<String, Object> more,
      Map<String, Object> podSpec) {
    Map<String, Object> spec = new LinkedHashMap<>(more);
    spec.put("selector", Map.of("matchLabels", labels));
    spec.put("template", Map.of("metadata", Map.of("labels", labels), "spec", podSpec));
    return object(kind, namespace, name, Map.of("spec", spec));
  }

  /** The path of an object's kind, from the table above: no registry lookup, no discovery. */
  static ResourceDefinitionContext path(GenericKubernetesResource o) {
    Kind k = KINDS.get(o.getKind());
    return new ResourceDefinitionContext.Builder()
        .withGroup(k.group())
        .withVersion(k.version())
        .withKind(o.getKind())
        .withPlural(k.plural())
        .withNamespaced(k.namespaced())
        .build();
  }

  /** How many times one object is written again after a 409 Conflict. */
  static final int CONFLICT_ATTEMPTS = 5;

  /**
   * Applies every object (create, or update when present). A 409 Conflict on the update means
   * another writer changed the object between the read and the write (a repeated bootstrap, or
   * clusters sharing one API server, as the local mock does): the object is written again from the
   * latest version, as client-go's RetryOnConflict does.
   */
  public static int apply(KubernetesClient client, List<GenericKubernetesResource> objects) {
    for (GenericKubernetesResource o : objects) {
      var kind = client.genericKubernetesResources(path(o));
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

  private static Map<String, Object> rule(
      String group, List<String> resources, List<String> verbs) {
    return Map.of("apiGroups", List.of(group), "resources", resources, "verbs", verbs);
  }
}
