package dev.orchestra.local.cluster;

import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.local.loop.ControlPlanePlan;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.cluster.ClusterNames;

/**
 * The cluster lifecycle's resources in the local runtime: the cluster records table, the three
 * cluster state machines and the handlers' configuration.
 */
public final class ClusterResources {
  public static final String TABLE = "orchestra-clusters";
  public static final String CREATE_MACHINE = "orchestra-cluster-create";
  public static final String UPDATE_MACHINE = "orchestra-cluster-update";
  public static final String DESTROY_MACHINE = "orchestra-cluster-destroy";

  /** The permissions boundary the stack creates, as the local runtime creates it. */
  public static final String BOUNDARY = "orchestra-permissions-boundary";

  /**
   * Everything except IAM, Organizations and account administration: roles cluster create makes
   * (and the policies users add to them) cannot grant themselves more.
   */
  static final String BOUNDARY_DOCUMENT =
      "{\"Version\":\"2012-10-17\",\"Statement\":["
          + "{\"Sid\":\"Everything\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
          + "{\"Sid\":\"NoAdministration\",\"Effect\":\"Deny\",\"Action\":[\"iam:*\","
          + "\"organizations:*\",\"account:*\"],\"Resource\":\"*\"}]}";

  private ClusterResources() {}

  public static void addTo(ResourcePlan.Builder b, LocalEnvironment env) {
    b.policy(BOUNDARY, ClusterNames.IAM_PATH, BOUNDARY_DOCUMENT)
        .config(
            EnvVars.PERMISSIONS_BOUNDARY_ARN,
            "arn:aws:iam::" + env.accountId() + ":policy" + ClusterNames.IAM_PATH + BOUNDARY)
        .table(ClusterStore.tableRequest(TABLE))
        .stateMachine(CREATE_MACHINE, ControlPlanePlan.asl("cluster-create.asl.json"))
        .stateMachine(UPDATE_MACHINE, ControlPlanePlan.asl("cluster-update.asl.json"))
        .stateMachine(DESTROY_MACHINE, ControlPlanePlan.asl("cluster-destroy.asl.json"))
        .config(EnvVars.CLUSTER_TABLE, TABLE)
        .config(
            EnvVars.IDLE_CHECK_FUNCTION_ARN,
            env.lambdaArn(
                dev.orchestra.functions.FunctionCatalog.clusterFunction(
                    dev.orchestra.functions.cluster.ClusterStepHandler.Step.IDLE_CHECK)))
        .config(EnvVars.CLUSTER_DESTROY_STATE_MACHINE_ARN, env.stateMachineArn(DESTROY_MACHINE))
        .config(EnvVars.CLUSTER_CREATE_STATE_MACHINE_ARN, env.stateMachineArn(CREATE_MACHINE))
        .config(EnvVars.CLUSTER_UPDATE_STATE_MACHINE_ARN, env.stateMachineArn(UPDATE_MACHINE))
        .config(
            EnvVars.CLUSTER_OPS_ROLE_ARN,
            "arn:aws:iam::" + env.accountId() + ":role/orchestra-local-cluster-ops")
        .config(
            EnvVars.DISPATCHER_ROLE_ARN,
            "arn:aws:iam::" + env.accountId() + ":role/orchestra-local-dispatcher");
  }
}
