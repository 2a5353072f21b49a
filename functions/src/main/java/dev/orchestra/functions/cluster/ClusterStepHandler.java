package dev.orchestra.functions.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.OrchestraConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Invoked by the cluster state machines (create, update, destroy), one function per {@link Step}:
 * decodes the cluster name and execution, calls that step of {@link ClusterService}.
 */
public final class ClusterStepHandler extends JsonHandler {

  /** The steps, each deployed as its own function. */
  public enum Step {
    VALIDATE,
    FIND_SUBNETS,
    CREATE_ROLES,
    CREATE_CLUSTER,
    CLUSTER_STATUS,
    CREATE_ACCESS_ENTRIES,
    CREATE_ADDONS,
    CREATE_NODEGROUPS,
    NODEGROUPS_STATUS,
    BOOTSTRAP_KUBERNETES,
    FINISH_CREATE,
    ROLLBACK_NODEGROUPS,
    ROLLBACK_CLUSTER,
    ROLLBACK_REST,
    DESTROY_NODEGROUPS,
    DESTROY_CLUSTER,
    DESTROY_ROLES,
    PLAN_UPDATE,
    ADVANCE_UPDATE,
    UPDATE_FAILED,
    IDLE_CHECK
  }

  private final ClusterContext ctx;
  private final Step step;

  public ClusterStepHandler(ClusterContext ctx, Step step) {
    this.ctx = ctx;
    this.step = step;
  }

  /** The step's handler on these clients. */
  public static ClusterStepHandler of(
      OrchestraConfig config, Step step, dev.orchestra.functions.aws.AwsClients aws) {
    return new ClusterStepHandler(new ClusterContext(config, aws), step);
  }

  @Override
  protected Object handle(JsonNode in) {
    Map<String, Object> out = new LinkedHashMap<>(call(in));
    // Polling steps count their calls, so each Wait/Choice loop is bounded.
    out.put("polls", in.path("polls").asInt(0) + 1);
    out.put("pollSeconds", ctx.pollSeconds());
    return out;
  }

  private Map<String, Object> call(JsonNode in) {
    ClusterService s = ctx.service();
    return switch (step) {
      case VALIDATE -> s.validate(text(in, "configYaml"), text(in, "execution"));
      case CREATE_ROLES ->
          s.createRoles(text(in, "clusterName"), text(in, "principalArn"), text(in, "execution"));
      case FIND_SUBNETS -> s.findSubnets();
      case CREATE_CLUSTER ->
          s.createCluster(
              text(in, "clusterName"),
              text(in, "execution"),
              in.path("clusterRoleArn").isTextual() ? in.get("clusterRoleArn").asText() : null,
              subnetIds(in.get("subnetIds")));
      case CLUSTER_STATUS -> s.clusterStatus(text(in, "clusterName"));
      case CREATE_ACCESS_ENTRIES ->
          s.createAccessEntries(text(in, "clusterName"), text(in, "execution"));
      case CREATE_ADDONS -> s.createAddons(text(in, "clusterName"), text(in, "execution"));
      case CREATE_NODEGROUPS -> s.createNodegroups(text(in, "clusterName"), text(in, "execution"));
      case NODEGROUPS_STATUS ->
          s.nodegroupsStatus(text(in, "clusterName"), in.path("wantGone").asBoolean(false));
      case BOOTSTRAP_KUBERNETES -> s.bootstrapKubernetes(text(in, "clusterName"));
      case FINISH_CREATE -> s.finishCreate(text(in, "clusterName"));
      case ROLLBACK_NODEGROUPS ->
          s.rollbackNodegroups(text(in, "clusterName"), text(in, "execution"));
      case ROLLBACK_CLUSTER -> s.rollbackCluster(text(in, "clusterName"), text(in, "execution"));
      case ROLLBACK_REST ->
          s.rollbackRest(text(in, "clusterName"), text(in, "execution"), reason(in));
      case DESTROY_NODEGROUPS -> s.destroyNodegroups(text(in, "clusterName"));
      case DESTROY_CLUSTER -> s.destroyCluster(text(in, "clusterName"));
      case DESTROY_ROLES -> s.destroyRolesAndRecord(text(in, "clusterName"));
      case PLAN_UPDATE -> s.planUpdate(text(in, "configYaml"), text(in, "execution"));
      case ADVANCE_UPDATE -> s.advanceUpdate(text(in, "clusterName"));
      case UPDATE_FAILED -> s.updateFailed(text(in, "clusterName"), reason(in));
      case IDLE_CHECK -> s.idle().check(text(in, "clusterName"));
    };
  }

  /**
   * FindSubnets' answer as the state passes it on: null when absent (an execution started before
   * that step existed), else a list of subnet ids.
   */
  static java.util.List<String> subnetIds(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    java.util.List<String> out = new java.util.ArrayList<>();
    if (node.isArray()) {
      for (JsonNode id : node) {
        if (id.isTextual() && id.asText().startsWith("subnet-")) {
          out.add(id.asText());
        }
      }
    }
    if (out.isEmpty() || out.size() != node.size()) {
      throw new IllegalArgumentException(
          "subnetIds must be a non-empty list of subnet ids (subnet-…), as FindSubnets reports"
              + " them; got "
              + node);
    }
    return java.util.List.copyOf(out);
  }

  /** The caught error's Error and Cause, as Step Functions puts them in the Catch result. */
  private static String reason(JsonNode in) {
    JsonNode e = in.path("error");
    String cause = e.path("Cause").asText("");
    try {
      JsonNode c = dev.orchestra.functions.Json.MAPPER.readTree(cause);
      if (c.has("errorMessage")) {
        cause = c.get("errorMessage").asText();
      }
    } catch (java.io.IOException | RuntimeException notJson) {
      // keep the text as it is
    }
    String error = e.path("Error").asText("");
    return (error + ": " + cause).trim();
  }
}
