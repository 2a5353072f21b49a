package dev.orchestra.functions.cluster;

import dev.orchestra.functions.Concurrently;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.cluster.BoundaryCheck;
import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.cluster.ClusterRefusedException;
import dev.orchestra.shared.cluster.ClusterStepFailedException;
import dev.orchestra.shared.cluster.NodeGroupPlan;
import dev.orchestra.shared.cluster.NodeGroupPlanner;
import dev.orchestra.shared.cluster.TrustPolicies;
import dev.orchestra.shared.cluster.UpdateAction;
import dev.orchestra.shared.cluster.UpdatePlan;
import dev.orchestra.shared.cluster.UpdatePlanner;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.config.Parsed;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.AccessScopeType;
import software.amazon.awssdk.services.eks.model.AuthenticationMode;
import software.amazon.awssdk.services.eks.model.Cluster;
import software.amazon.awssdk.services.eks.model.Nodegroup;
import software.amazon.awssdk.services.eks.model.NodegroupScalingConfig;
import software.amazon.awssdk.services.eks.model.ResourceInUseException;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eks.model.Taint;
import software.amazon.awssdk.services.eks.model.TaintEffect;

/**
 * The steps of the cluster state machines, each idempotent: "already exists" means describe and
 * continue, "not found" on delete means done. What a create step makes is recorded in the cluster
 * record under the execution's name, so a rollback deletes only what that execution made.
 */
public final class ClusterService {
  /** Availability zones EKS does not offer control planes in (by zone id). */
  static final Set<String> EKS_UNSUPPORTED_ZONE_IDS = Set.of("use1-az3", "usw1-az2", "cac1-az3");

  private final ClusterStore store;
  private final Supplier<EksClient> eks;
  private final ClusterIam iam;
  private final Supplier<Ec2Client> ec2;
  private final Function<String, KubernetesClient> kubernetes;
  private final Settings settings;
  private ClusterIdle idle;

  /**
   * Deployment facts the steps need.
   *
   * @param boundaryArn the permissions boundary, or null
   * @param clusterOpsRoleArn the cluster-operations Lambda role(s) (cluster admins),
   *     comma-separated
   * @param dispatcherRoleArn the dispatcher Lambda role (edit in the runs namespace)
   * @param resultsQueueArn what the reporter may send to
   * @param bucket whose {@code runs/} the reporter may write
   */
  /**
   * @param subnetIds the subnets clusters and node groups use (the stack's configuration); empty:
   *     the default VPC's default subnets in availability zones EKS supports
   */
  public record Settings(
      String boundaryArn,
      String clusterOpsRoleArn,
      String dispatcherRoleArn,
      String resultsQueueArn,
      String bucket,
      List<String> subnetIds) {
    public Settings {
      subnetIds = subnetIds == null ? List.of() : List.copyOf(subnetIds);
    }
  }

  public ClusterService(
      ClusterStore store,
      EksClient eks,
      ClusterIam iam,
      Ec2Client ec2,
      Function<String, KubernetesClient> kubernetes,
      Settings settings) {
    this(store, () -> eks, iam, () -> ec2, kubernetes, settings);
  }

  /** With the EKS and EC2 clients built on first use (each step builds only what it calls). */
  public ClusterService(
      ClusterStore store,
      Supplier<EksClient> eks,
      ClusterIam iam,
      Supplier<Ec2Client> ec2,
      Function<String, KubernetesClient> kubernetes,
      Settings settings) {
    this.store = store;
    this.eks = eks;
    this.iam = iam;
    this.ec2 = ec2;
    this.kubernetes = kubernetes;
    this.settings = settings;
  }

  /** Idle teardown: scheduled on create and update, removed on destroy (none: not scheduled). */
  public ClusterService withIdle(ClusterIdle idle) {
    this.idle = idle;
    return this;
  }

  public ClusterIdle idle() {
    return idle;
  }

  public ClusterStore store() {
    return store;
  }

  // ---- create ----

  /** Validate: the file, then every additional policy against the boundary; then the record. */
  public Map<String, Object> validate(String configYaml, String exec) {
    ClusterConfig config = parse(configYaml, "cluster.yml");
    List<String> problems = new ArrayList<>();
    for (String arn : config.aws().additionalPolicies()) {
      String doc = iam.policyDocument(arn);
      if (doc == null) {
        problems.add(arn + " does not exist: create it, or remove it from aws.additional_policies");
        continue;
      }
      if (settings.boundaryArn() != null) {
        String boundary = iam.policyDocument(settings.boundaryArn());
        if (boundary == null) {
          throw new IllegalStateException(
              "the permissions boundary " + settings.boundaryArn() + " does not exist");
        }
        List<String> cancelled = BoundaryCheck.cancelled(doc, boundary);
        if (!cancelled.isEmpty()) {
          problems.add(
              arn
                  + " allows "
                  + cancelled
                  + ", which the permissions boundary "
                  + settings.boundaryArn()
                  + " cancels, so attaching it would silently grant nothing for them: remove it"
                  + " from aws.additional_policies, or use a policy within the boundary");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ClusterRefusedException(
          "cluster.yml: aws.additional_policies: " + String.join("; ", problems));
    }
    store.begin(
        config.clusterName(),
        ClusterRecord.CREATING,
        configYaml,
        config.effectiveKubernetesVersion(),
        exec);
    return Map.of("clusterName", config.clusterName());
  }

  /** CreateRoles: cluster, node, access, reporter and autoscaler roles under /orchestra/. */
  public Map<String, Object> createRoles(String name, String principalArn, String exec) {
    ClusterConfig config = config(name);
    Map<String, String> tags = ClusterNames.ownershipTags(name, config.tags());
    role(
        name,
        ClusterNames.clusterRole(name),
        TrustPolicies.forService(TrustPolicies.EKS_SERVICE),
        tags,
        exec);
    iam.attach(ClusterNames.clusterRole(name), ClusterIam.EKS_CLUSTER_POLICY);
    role(
        name,
        ClusterNames.nodeRole(name),
        TrustPolicies.forService(TrustPolicies.EC2_SERVICE),
        tags,
        exec);
    ClusterIam.NODE_POLICIES.forEach(p -> iam.attach(ClusterNames.nodeRole(name), p));
    config.aws().additionalPolicies().forEach(p -> iam.attach(ClusterNames.nodeRole(name), p));
    role(
        name,
        ClusterNames.accessRole(name),
        TrustPolicies.forPrincipals(List.of(principalArn)),
        tags,
        exec);
    role(name, ClusterNames.reporterRole(name), TrustPolicies.forPodIdentity(), tags, exec);
    iam.putInline(ClusterNames.reporterRole(name), "orchestra-reporter", reporterPolicy());
    role(name, ClusterNames.autoscalerRole(name), TrustPolicies.forPodIdentity(), tags, exec);
    iam.putInline(ClusterNames.autoscalerRole(name), "orchestra-autoscaler", AUTOSCALER_POLICY);
    String accessRoleArn = iam.role(ClusterNames.accessRole(name)).arn();
    // Every role of the cluster is under the same path of the same account: CreateCluster gets the
    // cluster role's ARN from here (through the state) and needs no IAM client of its own.
    String clusterRoleArn =
        accessRoleArn.substring(0, accessRoleArn.lastIndexOf('/') + 1)
            + ClusterNames.clusterRole(name);
    return Map.of("accessRoleArn", accessRoleArn, "clusterRoleArn", clusterRoleArn);
  }

  private void role(
      String cluster, String role, String trust, Map<String, String> tags, String exec) {
    ClusterIam.Created<String> r =
        iam.createRole(role, trust, tags, "Orchestra cluster " + cluster);
    if (r.created()) {
      store.markCreated(cluster, "role:" + role, exec);
    }
  }

  /**
   * FindSubnets: the subnets a new cluster and its node groups use, the configured ones or else the
   * default VPC's. A step of its own, before anything is made, so a missing default VPC is found
   * early and CreateCluster builds no EC2 client (about 0.2 s of its cold start).
   */
  public Map<String, Object> findSubnets() {
    return Map.of("subnetIds", subnets());
  }

  /** The configured subnets, or else the default VPC's. */
  private List<String> subnets() {
    return settings.subnetIds().isEmpty() ? defaultSubnets() : settings.subnetIds();
  }

  /** CreateCluster: API authentication mode, the version, subnets, ownership tags. */
  public Map<String, Object> createCluster(String name, String exec) {
    return createCluster(name, exec, null, null);
  }

  /**
   * As above, with the cluster role's ARN as CreateRoles reported it (null: read from IAM; only an
   * ARN of this cluster's role is taken) and the subnets as FindSubnets reported them (null: an
   * execution started before that step existed; looked up here as FindSubnets would).
   */
  public Map<String, Object> createCluster(
      String name, String exec, String clusterRoleArn, List<String> subnetIds) {
    // Without FindSubnets' answer, the subnets are found as it would, while the record is read.
    CompletableFuture<List<String>> lookup =
        subnetIds != null
            ? CompletableFuture.completedFuture(subnetIds)
            : Concurrently.start("subnets", this::subnets);
    ClusterConfig config = config(name);
    List<String> subnets = Concurrently.join(lookup);
    String roleArn =
        clusterRoleArn != null
                && clusterRoleArn.startsWith("arn:")
                && clusterRoleArn.endsWith(
                    ":role" + ClusterNames.IAM_PATH + ClusterNames.clusterRole(name))
            ? clusterRoleArn
            : iam.role(ClusterNames.clusterRole(name)).arn();
    try {
      eks.get()
          .createCluster(
              b ->
                  b.name(name)
                      .version(config.effectiveKubernetesVersion())
                      .roleArn(roleArn)
                      .resourcesVpcConfig(v -> v.subnetIds(subnets))
                      .accessConfig(
                          a ->
                              a.authenticationMode(AuthenticationMode.API)
                                  .bootstrapClusterCreatorAdminPermissions(false))
                      .tags(ClusterNames.ownershipTags(name, config.tags()))
                      .clientRequestToken(token(exec, name)));
      store.markCreated(name, "cluster", exec);
    } catch (ResourceInUseException exists) {
      // made by an earlier attempt or an earlier create: describe and continue
    }
    return Map.of(
        "status", eks.get().describeCluster(b -> b.name(name)).cluster().statusAsString());
  }

  /** DescribeCluster for the polling loop: CREATING, ACTIVE, FAILED, or GONE. */
  public Map<String, Object> clusterStatus(String name) {
    try {
      Cluster c = eks.get().describeCluster(b -> b.name(name)).cluster();
      if ("FAILED".equals(c.statusAsString())) {
        throw new ClusterStepFailedException("EKS reports cluster " + name + " FAILED");
      }
      return Map.of("status", c.statusAsString());
    } catch (ResourceNotFoundException gone) {
      return Map.of("status", "GONE");
    }
  }

  /** CreateAccessEntries: the access and cluster-ops roles as admins, the dispatcher as editor. */
  public Map<String, Object> createAccessEntries(String name, String exec) {
    String accessRole = iam.role(ClusterNames.accessRole(name)).arn();
    List<String> admins = new ArrayList<>(List.of(accessRole));
    if (settings.clusterOpsRoleArn() != null) {
      // One role, or several separated by commas (each Kubernetes-talking function's own).
      for (String arn : settings.clusterOpsRoleArn().split(",")) {
        if (!arn.isBlank()) {
          admins.add(arn.trim());
        }
      }
    }
    for (String principal : admins) {
      accessEntry(name, principal, exec);
      eks.get()
          .associateAccessPolicy(
              b ->
                  b.clusterName(name)
                      .principalArn(principal)
                      .policyArn(ClusterNames.CLUSTER_ADMIN_POLICY)
                      .accessScope(s -> s.type(AccessScopeType.CLUSTER)));
    }
    if (settings.dispatcherRoleArn() != null) {
      accessEntry(name, settings.dispatcherRoleArn(), exec);
      eks.get()
          .associateAccessPolicy(
              b ->
                  b.clusterName(name)
                      .principalArn(settings.dispatcherRoleArn())
                      .policyArn(ClusterNames.EDIT_POLICY)
                      .accessScope(
                          s ->
                              s.type(AccessScopeType.NAMESPACE)
                                  .namespaces(ClusterNames.RUNS_NAMESPACE)));
    }
    return Map.of("entries", admins.size() + (settings.dispatcherRoleArn() == null ? 0 : 1));
  }

  private void accessEntry(String name, String principal, String exec) {
    try {
      eks.get()
          .createAccessEntry(
              b ->
                  b.clusterName(name)
                      .principalArn(principal)
                      .type("STANDARD")
                      .tags(ClusterNames.ownershipTags(name, config(name).tags())));
      store.markCreated(name, "access:" + principal, exec);
    } catch (ResourceInUseException exists) {
      // there already
    }
  }

  /** CreateAddons: the Pod Identity agent, and associations for the reporter and autoscaler. */
  public Map<String, Object> createAddons(String name, String exec) {
    Map<String, String> tags = ClusterNames.ownershipTags(name, config(name).tags());
    try {
      eks.get()
          .createAddon(
              b -> b.clusterName(name).addonName(ClusterNames.POD_IDENTITY_ADDON).tags(tags));
      store.markCreated(name, "addon:" + ClusterNames.POD_IDENTITY_ADDON, exec);
    } catch (ResourceInUseException exists) {
      // there already
    }
    association(
        name,
        ClusterNames.RUNS_NAMESPACE,
        ClusterNames.REPORTER_SERVICE_ACCOUNT,
        ClusterNames.reporterRole(name),
        tags,
        exec);
    association(
        name,
        ClusterNames.AUTOSCALER_NAMESPACE,
        ClusterNames.AUTOSCALER_SERVICE_ACCOUNT,
        ClusterNames.autoscalerRole(name),
        tags,
        exec);
    return Map.of("addons", 1, "associations", 2);
  }

  private void association(
      String name, String ns, String sa, String role, Map<String, String> tags, String exec) {
    boolean exists =
        !eks.get()
            .listPodIdentityAssociations(b -> b.clusterName(name).namespace(ns).serviceAccount(sa))
            .associations()
            .isEmpty();
    if (exists) {
      return;
    }
    try {
      String roleArn = iam.role(role).arn();
      eks.get()
          .createPodIdentityAssociation(
              b ->
                  b.clusterName(name).namespace(ns).serviceAccount(sa).roleArn(roleArn).tags(tags));
      store.markCreated(name, "podidentity:" + ns + "/" + sa, exec);
    } catch (ResourceInUseException raced) {
      // another attempt made it
    }
  }

  /** CreateNodegroups: system, cpu and gpu as the file says. */
  public Map<String, Object> createNodegroups(String name, String exec) {
    ClusterConfig config = config(name);
    Cluster cluster = eks.get().describeCluster(b -> b.name(name)).cluster();
    String nodeRole = iam.role(ClusterNames.nodeRole(name)).arn();
    List<String> names = new ArrayList<>();
    for (NodeGroupPlan plan : NodeGroupPlanner.plan(config)) {
      createNodegroup(name, plan, cluster.resourcesVpcConfig().subnetIds(), nodeRole, exec);
      names.add(plan.name());
    }
    return Map.of("nodegroups", names);
  }

  void createNodegroup(
      String name, NodeGroupPlan plan, List<String> subnets, String nodeRole, String exec) {
    try {
      eks.get()
          .createNodegroup(
              b -> {
                b.clusterName(name)
                    .nodegroupName(plan.name())
                    .scalingConfig(
                        NodegroupScalingConfig.builder()
                            .minSize(plan.minSize())
                            .maxSize(plan.maxSize())
                            .desiredSize(plan.desiredSize())
                            .build())
                    .instanceTypes(plan.instanceType())
                    .amiType(plan.amiType())
                    .capacityType(plan.capacityType())
                    .subnets(subnets)
                    .nodeRole(nodeRole)
                    .labels(plan.labels())
                    .taints(
                        plan.taints().stream()
                            .map(
                                t ->
                                    Taint.builder()
                                        .key(t.key())
                                        .value(t.value())
                                        .effect(TaintEffect.fromValue(t.effect()))
                                        .build())
                            .toList())
                    .tags(plan.tags())
                    .clientRequestToken(token(exec, plan.name()));
                if (plan.diskSize() != null) {
                  b.diskSize(plan.diskSize());
                }
              });
      store.markCreated(name, "nodegroup:" + plan.name(), exec);
    } catch (ResourceInUseException exists) {
      // there already
    }
  }

  /** DescribeNodegroups for the polling loop: all ACTIVE yet? A failed one fails the step. */
  public Map<String, Object> nodegroupsStatus(String name, boolean wantGone) {
    List<String> groups = listNodegroups(name);
    if (wantGone) {
      return Map.of("done", groups.isEmpty(), "remaining", groups.size());
    }
    List<String> waiting = new ArrayList<>();
    for (String g : groups) {
      Nodegroup ng;
      try {
        ng = eks.get().describeNodegroup(b -> b.clusterName(name).nodegroupName(g)).nodegroup();
      } catch (ResourceNotFoundException gone) {
        continue;
      }
      String status = ng.statusAsString();
      if (status.equals("CREATE_FAILED") || status.equals("DEGRADED")) {
        throw new ClusterStepFailedException(
            "node group " + g + " is " + status + ": " + ng.health());
      }
      if (!status.equals("ACTIVE")) {
        waiting.add(g + " " + status);
      }
    }
    return Map.of("done", waiting.isEmpty(), "waiting", waiting);
  }

  /** BootstrapKubernetes: namespace, ServiceAccounts, device plugin, autoscaler. */
  public Map<String, Object> bootstrapKubernetes(String name) {
    // The cluster's client (its endpoint from EKS, a token) is opened while the record is read.
    CompletableFuture<KubernetesClient> opening =
        Concurrently.start("kubernetes-open", () -> kubernetes.apply(name));
    ClusterRecord record;
    ClusterConfig config;
    try {
      record = record(name);
      config = config(record, name);
    } catch (RuntimeException e) {
      opening.thenAccept(KubernetesClient::close);
      throw e;
    }
    String version =
        record.version() != null ? record.version() : config.effectiveKubernetesVersion();
    try (KubernetesClient client = Concurrently.join(opening)) {
      int applied =
          ClusterKubernetes.apply(
              client, ClusterKubernetes.objects(name, version, config.gpu() != null));
      return Map.of("applied", applied);
    }
  }

  /** Finish: the record says ACTIVE. */
  public Map<String, Object> finishCreate(String name) {
    if (idle != null) {
      idle.schedule(name, config(name));
    }
    store.setStatus(name, ClusterRecord.ACTIVE, null);
    return Map.of("status", ClusterRecord.ACTIVE);
  }

  // ---- update ----

  static final String START = "START";
  static final String WAIT_UPDATE = "WAIT_UPDATE";
  static final String WAIT_NEW = "WAIT_NEW";
  static final String WAIT_OLD_GONE = "WAIT_OLD_GONE";

  /**
   * PlanUpdate: the stored file against the new one. A refused plan throws before anything is
   * touched; otherwise the plan is stored with the record and the cluster is UPDATING.
   */
  public Map<String, Object> planUpdate(String configYaml, String exec) {
    ClusterConfig next = parse(configYaml, "cluster.yml");
    String name = next.clusterName();
    ClusterRecord record =
        store
            .get(name)
            .orElseThrow(
                () ->
                    new ClusterRefusedException(
                        "cluster.yml: cluster_name: no cluster named "
                            + name
                            + " exists; create it with `orchestra cluster create`"));
    if (!ClusterRecord.ACTIVE.equals(record.status())) {
      throw new ClusterRefusedException(
          "cluster " + name + " is " + record.status() + "; only an ACTIVE cluster can be updated");
    }
    ClusterConfig stored = parse(record.configYaml(), "stored cluster.yml of " + name);
    UpdatePlan plan = UpdatePlanner.plan(stored, record.version(), next, "cluster.yml");
    if (plan.refused()) {
      throw new ClusterRefusedException(
          plan.refusals().stream().map(ClusterService::describe).collect(Collectors.joining("; ")));
    }
    store.begin(name, ClusterRecord.UPDATING, record.configYaml(), record.version(), exec);
    store.setUpdateState(
        name, writeJson(new PendingUpdate(configYaml, plan.actions())), 0, START, "");
    return Map.of(
        "clusterName",
        name,
        "actions",
        plan.actions().stream().map(UpdateAction::describe).toList());
  }

  /** The stored form of an update in progress. */
  public record PendingUpdate(String configYaml, List<UpdateAction> actions) {}

  /**
   * AdvanceUpdate: one non-blocking move of the current action (start it, or check on it). The
   * state machine waits between calls until {@code done}.
   */
  public Map<String, Object> advanceUpdate(String name) {
    ClusterStore.UpdateState state = store.updateState(name);
    PendingUpdate pending = readJson(state.planJson(), PendingUpdate.class);
    int index = state.index();
    if (index >= pending.actions().size()) {
      ClusterConfig next = parse(pending.configYaml(), "cluster.yml");
      String version =
          next.kubernetesVersion() != null
              ? next.kubernetesVersion()
              : store
                  .get(name)
                  .map(ClusterRecord::version)
                  .orElse(next.effectiveKubernetesVersion());
      store.setConfig(name, pending.configYaml(), version);
      store.setStatus(name, ClusterRecord.ACTIVE, null);
      return Map.of("done", true, "step", "done");
    }
    UpdateAction action = pending.actions().get(index);
    String phase = advance(name, action, state.phase(), state.updateId(), state.planJson(), index);
    return Map.of("done", false, "step", action.describe(), "phase", phase);
  }

  private String advance(
      String name, UpdateAction a, String phase, String updateId, String planJson, int index) {
    ClusterConfig stored = config(name);
    switch (a.kind()) {
      case SCALE_NODE_GROUP -> {
        if (phase.equals(START)) {
          Nodegroup ng =
              eks.get()
                  .describeNodegroup(b -> b.clusterName(name).nodegroupName(a.oldName()))
                  .nodegroup();
          int desired =
              Math.max(
                  a.nodeGroup().minSize(),
                  Math.min(a.nodeGroup().maxSize(), ng.scalingConfig().desiredSize()));
          String id =
              eks.get()
                  .updateNodegroupConfig(
                      b ->
                          b.clusterName(name)
                              .nodegroupName(a.oldName())
                              .scalingConfig(
                                  NodegroupScalingConfig.builder()
                                      .minSize(a.nodeGroup().minSize())
                                      .maxSize(a.nodeGroup().maxSize())
                                      .desiredSize(desired)
                                      .build()))
                  .update()
                  .id();
          store.setUpdateState(name, planJson, index, WAIT_UPDATE, id);
          return WAIT_UPDATE;
        }
        var update =
            eks.get()
                .describeUpdate(b -> b.name(name).nodegroupName(a.oldName()).updateId(updateId))
                .update();
        switch (update.statusAsString()) {
          case "Successful" -> {
            return next(name, planJson, index);
          }
          case "Failed", "Cancelled" ->
              throw new ClusterStepFailedException(
                  "scaling node group "
                      + a.oldName()
                      + " "
                      + update.statusAsString()
                      + ": "
                      + update.errors());
          default -> {
            return WAIT_UPDATE;
          }
        }
      }
      case ADD_NODE_GROUP, REPLACE_NODE_GROUP -> {
        if (phase.equals(START)) {
          Cluster cluster = eks.get().describeCluster(b -> b.name(name)).cluster();
          String nodeRole = iam.role(ClusterNames.nodeRole(name)).arn();
          createNodegroup(
              name, a.nodeGroup(), cluster.resourcesVpcConfig().subnetIds(), nodeRole, "update");
          store.setUpdateState(name, planJson, index, WAIT_NEW, "");
          return WAIT_NEW;
        }
        if (phase.equals(WAIT_NEW)) {
          Nodegroup ng =
              eks.get()
                  .describeNodegroup(b -> b.clusterName(name).nodegroupName(a.nodeGroup().name()))
                  .nodegroup();
          if (ng.statusAsString().equals("CREATE_FAILED")) {
            throw new ClusterStepFailedException(
                "new node group " + ng.nodegroupName() + " failed: " + ng.health());
          }
          if (!ng.statusAsString().equals("ACTIVE")) {
            return WAIT_NEW;
          }
          if (a.kind() == UpdateAction.Kind.ADD_NODE_GROUP) {
            return next(name, planJson, index);
          }
          // The new group is ACTIVE: only now does the old one go.
          deleteNodegroup(name, a.oldName());
          store.setUpdateState(name, planJson, index, WAIT_OLD_GONE, "");
          return WAIT_OLD_GONE;
        }
        return gone(name, a.oldName()) ? next(name, planJson, index) : WAIT_OLD_GONE;
      }
      case REMOVE_NODE_GROUP -> {
        if (phase.equals(START)) {
          deleteNodegroup(name, a.oldName());
          store.setUpdateState(name, planJson, index, WAIT_OLD_GONE, "");
          return WAIT_OLD_GONE;
        }
        return gone(name, a.oldName()) ? next(name, planJson, index) : WAIT_OLD_GONE;
      }
      case UPDATE_TAGS -> {
        List<String> arns = new ArrayList<>();
        arns.add(eks.get().describeCluster(b -> b.name(name)).cluster().arn());
        for (String g : listNodegroups(name)) {
          arns.add(
              eks.get()
                  .describeNodegroup(b -> b.clusterName(name).nodegroupName(g))
                  .nodegroup()
                  .nodegroupArn());
        }
        for (String arn : arns) {
          if (!a.tags().isEmpty()) {
            eks.get().tagResource(b -> b.resourceArn(arn).tags(a.tags()));
          }
          if (!a.removeTagKeys().isEmpty()) {
            eks.get().untagResource(b -> b.resourceArn(arn).tagKeys(a.removeTagKeys()));
          }
        }
        return next(name, planJson, index);
      }
      case ATTACH_POLICIES -> {
        a.policies().forEach(p -> iam.attach(ClusterNames.nodeRole(name), p));
        return next(name, planJson, index);
      }
      case DETACH_POLICIES -> {
        a.policies().forEach(p -> iam.detach(ClusterNames.nodeRole(name), p));
        return next(name, planJson, index);
      }
      case UPGRADE_VERSION -> {
        if (phase.equals(START)) {
          String id =
              eks.get().updateClusterVersion(b -> b.name(name).version(a.version())).update().id();
          store.setUpdateState(name, planJson, index, WAIT_UPDATE, id);
          return WAIT_UPDATE;
        }
        var update = eks.get().describeUpdate(b -> b.name(name).updateId(updateId)).update();
        if (update.statusAsString().equals("Successful")) {
          return next(name, planJson, index);
        }
        if (update.statusAsString().equals("Failed")) {
          throw new ClusterStepFailedException("version upgrade failed: " + update.errors());
        }
        return WAIT_UPDATE;
      }
      case SET_IDLE -> {
        if (idle != null) {
          ClusterStore.UpdateState st = store.updateState(name);
          idle.schedule(
              name,
              parse(readJson(st.planJson(), PendingUpdate.class).configYaml(), "cluster.yml"));
        }
        store.appendHistory(
            name, "idle settings changed by update (stored: " + stored.idleTimeoutMinutes() + ")");
        return next(name, planJson, index);
      }
      default -> throw new IllegalStateException("unknown action " + a.kind());
    }
  }

  private String next(String name, String planJson, int index) {
    store.setUpdateState(name, planJson, index + 1, START, "");
    return "next";
  }

  private boolean gone(String name, String group) {
    try {
      eks.get().describeNodegroup(b -> b.clusterName(name).nodegroupName(group));
      return false;
    } catch (ResourceNotFoundException e) {
      return true;
    }
  }

  /** UpdateFailed: the cluster stays as it is now, ACTIVE, with the reason recorded. */
  public Map<String, Object> updateFailed(String name, String reason) {
    if (store.get(name).isPresent()) {
      store.setStatus(name, ClusterRecord.ACTIVE, "update failed: " + reason);
      store.appendHistory(name, "update failed: " + reason);
    }
    return Map.of("status", ClusterRecord.ACTIVE);
  }

  private static String writeJson(Object o) {
    try {
      return dev.orchestra.functions.Json.MAPPER.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> T readJson(String json, Class<T> type) {
    try {
      return dev.orchestra.functions.Json.MAPPER.readValue(json, type);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("stored update plan unreadable: " + e.getMessage(), e);
    }
  }

  // ---- rollback and destroy ----

  /**
   * Rollback, first step: deletes the node groups this execution created. The state machine polls
   * {@link #nodegroupsStatus} (gone) before {@link #rollbackCluster}.
   */
  public Map<String, Object> rollbackNodegroups(String name, String exec) {
    createdBy(name, exec, "nodegroup:").forEach(g -> deleteNodegroup(name, g));
    return Map.of("deleting", createdBy(name, exec, "nodegroup:"));
  }

  /**
   * Rollback, second step: what this execution made in EKS (associations, add-ons, access entries,
   * the cluster) and the idle check it scheduled. Each is forgotten once deleted, so a retry and
   * {@link #rollbackRest} skip it.
   */
  public Map<String, Object> rollbackCluster(String name, String exec) {
    java.util.Optional<ClusterRecord> found = store.get(name);
    if (found.isEmpty()) {
      return Map.of("status", "GONE");
    }
    rollbackInEks(name, exec, found.get());
    return Map.of("status", "ROLLED_BACK");
  }

  /**
   * Rollback, last step: the roles this execution made; the record is left FAILED with the reason.
   * After {@link #rollbackCluster} nothing of EKS is left to it, so it calls only DynamoDB and IAM;
   * for an execution started before that step existed it deletes the EKS part first, as it did.
   */
  public Map<String, Object> rollbackRest(String name, String exec, String reason) {
    java.util.Optional<ClusterRecord> found = store.get(name);
    if (found.isEmpty()) {
      return Map.of("status", "GONE");
    }
    // One read for every kind: each step only forgets what it deletes, and each kind is read for
    // its own prefix, so the record as read here lists what each loop must delete.
    ClusterRecord record = found.get();
    rollbackInEks(name, exec, record);
    // The roles are independent: deleted at once, their IAM round trips overlapping.
    Concurrently.forEach(
        "delete-role",
        createdBy(record, exec, "role:"),
        role -> {
          iam.deleteRole(role);
          store.forgetCreated(name, "role:" + role);
        });
    store.setStatus(name, ClusterRecord.FAILED, reason);
    return Map.of("status", ClusterRecord.FAILED);
  }

  private void rollbackInEks(String name, String exec, ClusterRecord record) {
    for (String key : createdBy(record, exec, "podidentity:")) {
      String[] nsSa = key.split("/", 2);
      deleteAssociation(name, nsSa[0], nsSa[1]);
      store.forgetCreated(name, "podidentity:" + key);
    }
    for (String addon : createdBy(record, exec, "addon:")) {
      try {
        eks.get().deleteAddon(b -> b.clusterName(name).addonName(addon));
      } catch (ResourceNotFoundException gone) {
        // done
      }
      store.forgetCreated(name, "addon:" + addon);
    }
    for (String principal : createdBy(record, exec, "access:")) {
      try {
        eks.get().deleteAccessEntry(b -> b.clusterName(name).principalArn(principal));
      } catch (ResourceNotFoundException gone) {
        // done
      }
      store.forgetCreated(name, "access:" + principal);
    }
    for (String g : createdBy(record, exec, "nodegroup:")) {
      store.forgetCreated(name, "nodegroup:" + g);
    }
    if (exec.equals(created(record).get("cluster"))) {
      if (idle != null) {
        // FinishCreate may have scheduled the idle check before failing.
        idle.unschedule(name);
      }
      deleteCluster(name);
      store.forgetCreated(name, "cluster");
    }
  }

  /** Destroy, first step: every node group of the cluster. */
  public Map<String, Object> destroyNodegroups(String name) {
    if (store.get(name).isPresent()) {
      store.setStatus(name, ClusterRecord.DESTROYING, null);
    }
    List<String> groups = listNodegroups(name);
    groups.forEach(g -> deleteNodegroup(name, g));
    return Map.of("deleting", groups);
  }

  /** Destroy, second step: associations and add-ons go with the cluster; then the cluster. */
  public Map<String, Object> destroyCluster(String name) {
    deleteCluster(name);
    return Map.of("deleting", name);
  }

  /** Destroy, last step: every role of the cluster, then the record. */
  public Map<String, Object> destroyRolesAndRecord(String name) {
    if (idle != null) {
      idle.unschedule(name);
    }
    Concurrently.forEach("delete-role", ClusterNames.roles(name), iam::deleteRole);
    store.delete(name);
    return Map.of("status", "DESTROYED");
  }

  // ---- helpers ----

  List<String> listNodegroups(String name) {
    if (!clusterExists(name)) {
      return List.of();
    }
    try {
      List<String> out = new ArrayList<>();
      eks.get().listNodegroupsPaginator(b -> b.clusterName(name)).nodegroups().forEach(out::add);
      return out;
    } catch (ResourceNotFoundException gone) {
      return List.of();
    }
  }

  void deleteNodegroup(String name, String group) {
    try {
      eks.get().deleteNodegroup(b -> b.clusterName(name).nodegroupName(group));
    } catch (ResourceNotFoundException gone) {
      // done
    } catch (ResourceInUseException deleting) {
      // already being deleted
    }
  }

  void deleteCluster(String name) {
    try {
      eks.get().deleteCluster(b -> b.name(name));
    } catch (ResourceNotFoundException gone) {
      // done
    }
  }

  boolean clusterExists(String name) {
    try {
      eks.get().describeCluster(b -> b.name(name));
      return true;
    } catch (ResourceNotFoundException gone) {
      return false;
    }
  }

  void deleteAssociation(String name, String ns, String sa) {
    try {
      eks.get()
          .listPodIdentityAssociations(b -> b.clusterName(name).namespace(ns).serviceAccount(sa))
          .associations()
          .forEach(
              a ->
                  eks.get()
                      .deletePodIdentityAssociation(
                          b -> b.clusterName(name).associationId(a.associationId())));
    } catch (ResourceNotFoundException gone) {
      // done
    }
  }

  /** Keys (without the prefix) this execution created. */
  private List<String> createdBy(String name, String exec, String prefix) {
    return store.get(name).map(r -> createdBy(r, exec, prefix)).orElse(List.of());
  }

  private static List<String> createdBy(ClusterRecord record, String exec, String prefix) {
    return created(record).entrySet().stream()
        .filter(e -> e.getValue().equals(exec) && e.getKey().startsWith(prefix))
        .map(e -> e.getKey().substring(prefix.length()))
        .filter(k -> !k.isEmpty())
        .collect(Collectors.toList());
  }

  private static Map<String, String> created(ClusterRecord record) {
    return record.created() == null ? Map.of() : record.created();
  }

  /**
   * The default VPC's default subnets in availability zones EKS supports. One request: a default
   * subnet is in the default VPC by definition, and each subnet names its zone's id, so neither
   * DescribeVpcs nor DescribeAvailabilityZones is needed (CreateCluster's cold start paid for three
   * EC2 requests).
   */
  List<String> defaultSubnets() {
    List<Subnet> defaults =
        ec2.get()
            .describeSubnets(
                b -> b.filters(Filter.builder().name("default-for-az").values("true").build()))
            .subnets();
    if (defaults.isEmpty()) {
      throw new ClusterRefusedException(
          "this account and region have no default VPC (no default subnets); create one with `aws"
              + " ec2 create-default-vpc`, or set "
              + EnvVars.SUBNET_IDS
              + " to subnets in at least two availability zones");
    }
    List<String> subnets =
        defaults.stream()
            .filter(s -> !EKS_UNSUPPORTED_ZONE_IDS.contains(s.availabilityZoneId()))
            .map(Subnet::subnetId)
            .sorted()
            .toList();
    if (subnets.size() < 2) {
      throw new ClusterRefusedException(
          "EKS needs subnets in at least two supported availability zones; the default VPC "
              + defaults.get(0).vpcId()
              + " has "
              + subnets.size());
    }
    return subnets;
  }

  public ClusterConfig config(String name) {
    return config(record(name), name);
  }

  private ClusterRecord record(String name) {
    return store
        .get(name)
        .orElseThrow(
            () -> new ClusterRefusedException("no cluster named " + name + " is recorded"));
  }

  private static ClusterConfig config(ClusterRecord record, String name) {
    return parse(record.configYaml(), "stored cluster.yml of " + name);
  }

  public static ClusterConfig parse(String yaml, String file) {
    Parsed<ClusterConfig> p = ConfigParser.parseCluster(file, yaml);
    if (!p.findings().isEmpty()) {
      throw new ClusterRefusedException(
          p.findings().stream().map(ClusterService::describe).collect(Collectors.joining("; ")));
    }
    return p.value().redacted();
  }

  static String describe(Finding f) {
    return f.file() + ": " + f.path() + ": " + f.problem() + " (" + f.fix() + ")";
  }

  /** EKS idempotency tokens: the same execution retrying a create sends the same token. */
  private static String token(String exec, String what) {
    return java.util
        .UUID
        .nameUUIDFromBytes((exec + "|" + what).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  private String reporterPolicy() {
    List<Map<String, Object>> statements = new ArrayList<>();
    if (settings.resultsQueueArn() != null) {
      statements.add(
          Map.of(
              "Effect",
              "Allow",
              "Action",
              "sqs:SendMessage",
              "Resource",
              settings.resultsQueueArn()));
    }
    if (settings.bucket() != null) {
      statements.add(
          Map.of(
              "Effect", "Allow",
              "Action", "s3:PutObject",
              "Resource", "arn:aws:s3:::" + settings.bucket() + "/runs/*"));
    }
    if (statements.isEmpty()) {
      statements.add(Map.of("Effect", "Deny", "Action", "*", "Resource", "*"));
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("Version", "2012-10-17");
    doc.put("Statement", statements);
    try {
      return dev.orchestra.functions.Json.MAPPER.writeValueAsString(doc);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static final String AUTOSCALER_POLICY =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":["
          + "\"autoscaling:DescribeAutoScalingGroups\",\"autoscaling:DescribeAutoScalingInstances\","
          + "\"autoscaling:DescribeLaunchConfigurations\",\"autoscaling:DescribeScalingActivities\","
          + "\"autoscaling:DescribeTags\",\"ec2:DescribeImages\",\"ec2:DescribeInstanceTypes\","
          + "\"ec2:DescribeLaunchTemplateVersions\",\"ec2:GetInstanceTypesFromInstanceRequirements\","
          + "\"eks:DescribeNodegroup\"],\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":["
          + "\"autoscaling:SetDesiredCapacity\",\"autoscaling:TerminateInstanceInAutoScalingGroup\"],"
          + "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled\":\"true\"}}}]}";
}
