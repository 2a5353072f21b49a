package dev.orchestra.functions.cluster;

import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.IdleAction;
import dev.orchestra.shared.run.NodeGroups;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.Nodegroup;
import software.amazon.awssdk.services.eks.model.NodegroupScalingConfig;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

/**
 * Idle teardown: an EventBridge schedule per cluster with {@code idle_timeout_minutes} invokes the
 * idle check, which applies {@code idle_action} once the runs namespace has had no pods for that
 * long — scale cpu and gpu to zero, or start the destroy state machine — and records it.
 */
public final class ClusterIdle {
  private final ClusterStore store;
  private final Supplier<EventBridgeClient> events;
  private final Supplier<EksClient> eks;
  private final Supplier<SfnClient> sfn;
  private final Function<String, KubernetesClient> kubernetes;
  private final String checkFunctionArn;
  private final String destroyMachineArn;
  private final double timeScale;

  public ClusterIdle(
      ClusterStore store,
      EventBridgeClient events,
      EksClient eks,
      SfnClient sfn,
      Function<String, KubernetesClient> kubernetes,
      String checkFunctionArn,
      String destroyMachineArn,
      double timeScale) {
    this(
        store,
        () -> events,
        () -> eks,
        () -> sfn,
        kubernetes,
        checkFunctionArn,
        destroyMachineArn,
        timeScale);
  }

  /** With the clients built on first use (each step builds only what it calls). */
  public ClusterIdle(
      ClusterStore store,
      Supplier<EventBridgeClient> events,
      Supplier<EksClient> eks,
      Supplier<SfnClient> sfn,
      Function<String, KubernetesClient> kubernetes,
      String checkFunctionArn,
      String destroyMachineArn,
      double timeScale) {
    this.store = store;
    this.events = events;
    this.eks = eks;
    this.sfn = sfn;
    this.kubernetes = kubernetes;
    this.checkFunctionArn = checkFunctionArn;
    this.destroyMachineArn = destroyMachineArn;
    this.timeScale = timeScale;
  }

  /** {@code orchestra-idle-<cluster>}: at most 63 characters for a 48-character cluster name. */
  public static String ruleName(String cluster) {
    return "orchestra-idle-" + cluster;
  }

  /** Puts (or removes, without a timeout) the cluster's idle schedule. Idempotent. */
  public void schedule(String cluster, ClusterConfig config) {
    if (config.idleTimeoutMinutes() == null) {
      unschedule(cluster);
      return;
    }
    int every = config.idleTimeoutMinutes() < 10 ? 1 : 5;
    String rule = ruleName(cluster);
    events
        .get()
        .putRule(
            b ->
                b.name(rule)
                    .scheduleExpression("rate(" + every + (every == 1 ? " minute)" : " minutes)"))
                    .description("Orchestra idle check of cluster " + cluster)
                    .tags(
                        ClusterNames.ownershipTags(cluster, config.tags()).entrySet().stream()
                            .map(
                                e ->
                                    software.amazon.awssdk.services.eventbridge.model.Tag.builder()
                                        .key(e.getKey())
                                        .value(e.getValue())
                                        .build())
                            .toList()));
    events
        .get()
        .putTargets(
            b ->
                b.rule(rule)
                    .targets(
                        t ->
                            t.id("idle-check")
                                .arn(checkFunctionArn)
                                .input("{\"clusterName\":\"" + cluster + "\"}")));
  }

  public void unschedule(String cluster) {
    String rule = ruleName(cluster);
    try {
      events.get().removeTargets(b -> b.rule(rule).ids("idle-check"));
      events.get().deleteRule(b -> b.name(rule));
    } catch (ResourceNotFoundException gone) {
      // no schedule: done
    }
  }

  /** The scheduled check. */
  public Map<String, Object> check(String cluster) {
    ClusterRecord record = store.get(cluster).orElse(null);
    if (record == null || !ClusterRecord.ACTIVE.equals(record.status())) {
      return Map.of("action", "none", "why", "not active");
    }
    ClusterConfig config = ClusterService.parse(record.configYaml(), "stored cluster.yml");
    if (config.idleTimeoutMinutes() == null) {
      return Map.of("action", "none", "why", "no idle timeout");
    }
    Instant now = Instant.now();
    if (busy(cluster)) {
      store.setLastBusy(cluster, now);
      return Map.of("action", "none", "why", "busy");
    }
    Instant since = store.lastBusy(cluster).orElse(Instant.parse(record.updatedAt()));
    Duration timeout =
        Duration.ofMillis(Math.round(config.idleTimeoutMinutes() * 60_000 * timeScale));
    if (Duration.between(since, now).compareTo(timeout) < 0) {
      return Map.of("action", "none", "why", "idle for less than the timeout");
    }
    if (config.idleAction() == IdleAction.DESTROY) {
      store.appendHistory(
          cluster, "idle for " + config.idleTimeoutMinutes() + " min: destroying the cluster");
      unschedule(cluster);
      try {
        sfn.get()
            .startExecution(
                b ->
                    b.stateMachineArn(destroyMachineArn)
                        .name("idle-" + cluster + "-" + since.getEpochSecond())
                        .input("{\"clusterName\":\"" + cluster + "\"}"));
      } catch (ExecutionAlreadyExistsException started) {
        // an earlier check started it
      }
      return Map.of("action", "destroy");
    }
    List<String> scaled = new ArrayList<>();
    for (String g : eks.get().listNodegroups(b -> b.clusterName(cluster)).nodegroups()) {
      Nodegroup ng =
          eks.get().describeNodegroup(b -> b.clusterName(cluster).nodegroupName(g)).nodegroup();
      String role = ng.labels().get(NodeGroups.LABEL);
      boolean compute = NodeGroups.CPU.equals(role) || NodeGroups.GPU.equals(role);
      NodegroupScalingConfig s = ng.scalingConfig();
      if (compute && (s.minSize() > 0 || s.desiredSize() > 0)) {
        eks.get()
            .updateNodegroupConfig(
                b ->
                    b.clusterName(cluster)
                        .nodegroupName(g)
                        .scalingConfig(c -> c.minSize(0).desiredSize(0).maxSize(s.maxSize())));
        scaled.add(role);
      }
    }
    if (!scaled.isEmpty()) {
      store.appendHistory(
          cluster,
          "idle for " + config.idleTimeoutMinutes() + " min: scaled " + scaled + " to zero");
    }
    return Map.of("action", scaled.isEmpty() ? "none" : "scale-to-zero", "scaled", scaled);
  }

  /** Any pod in the runs namespace that has not finished. */
  private boolean busy(String cluster) {
    try (KubernetesClient k = kubernetes.apply(cluster)) {
      for (Pod p : k.pods().inNamespace(ClusterNames.RUNS_NAMESPACE).list().getItems()) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if (phase == null || phase.equals("Pending") || phase.equals("Running")) {
          return true;
        }
      }
      return !k
          .batch()
          .v1()
          .jobs()
          .inNamespace(ClusterNames.RUNS_NAMESPACE)
          .list()
          .getItems()
          .stream()
          .filter(j -> j.getStatus() == null || j.getStatus().getCompletionTime() == null)
          .filter(
              j ->
                  j.getStatus() == null
                      || j.getStatus().getFailed() == null
                      || j.getStatus().getFailed() == 0)
          .toList()
          .isEmpty();
    }
  }
}
