package dev.orchestra.cdk;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.cluster.ClusterStepHandler.Step;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What each deployed function needs: its jar (function group), timeout, memory and the accesses its
 * code makes, read from the handlers and the services they call. A catalog entry without a spec
 * stops the synth: a new function must say what it calls before it gets a role.
 */
public final class FunctionSpecs {

  /** The AWS calls a function's code makes, each turned into IAM actions on named resources. */
  public enum Access {
    /** dynamodb:GetItem/PutItem/UpdateItem/Query/ConditionCheckItem on the experiments table. */
    TABLE,
    /** s3:GetObject in the bucket (experiment and run files, optimizer state). */
    BUCKET_READ,
    /** s3:PutObject in the bucket (status files, optimizer state). */
    BUCKET_WRITE,
    /** states:StartExecution of the experiment state machine. */
    START_EXPERIMENT,
    /** states:StartExecution of the run state machine. */
    START_RUN,
    /** states:SendTaskSuccess/Failure/Heartbeat for the experiment state machine's tokens. */
    TASK_EXPERIMENT,
    /** states:SendTaskSuccess/Failure/Heartbeat for the run state machine's tokens. */
    TASK_RUN,
    /** eks:DescribeCluster (the Kubernetes endpoint and CA of a target cluster). */
    EKS_DESCRIBE,
    /** dynamodb:GetItem/UpdateItem on the clusters table (ClusterStore). */
    CLUSTER_TABLE,
    /** dynamodb:DeleteItem on the clusters table (the destroy's last step forgets the record). */
    CLUSTER_TABLE_DELETE,
    /**
     * iam:GetPolicy/GetPolicyVersion on AWS managed and this account's policies (aws
     * .additional_policies and the boundary, read by Validate).
     */
    IAM_POLICY_READ,
    /** iam:GetRole on runtime roles (under {@link RuntimeRoles#PATH}). */
    RUNTIME_ROLE_READ,
    /** {@link RuntimeRoles#passPolicy()}: get and pass runtime roles to EKS. */
    RUNTIME_ROLES_PASS,
    /** {@link RuntimeRoles#adminPolicy()}: create, tag, attach, detach, delete runtime roles. */
    RUNTIME_ROLES_MANAGE,
    /** ec2:DescribeSubnets (the default VPC's default subnets; IAM needs *). */
    EC2_DESCRIBE,
    /** Create, delete, upgrade, tag clusters (and EKS's service-linked role on first use). */
    EKS_CLUSTER_WRITE,
    /** eks:ListNodegroups/DescribeNodegroup. */
    EKS_NODEGROUPS_READ,
    /** Create, delete, resize and tag node groups; DescribeUpdate. */
    EKS_NODEGROUPS_WRITE,
    /** Create and delete access entries, associate access policies. */
    EKS_ACCESS_ENTRIES,
    /** Create and delete add-ons and pod identity associations. */
    EKS_ADDONS,
    /**
     * Talks to the cluster's Kubernetes API (eks:DescribeCluster plus a token); the function's role
     * becomes a cluster admin through an access entry (ORCHESTRA_CLUSTER_OPS_ROLE_ARN).
     */
    KUBERNETES,
    /** events:PutRule/PutTargets/TagResource on rules {@code orchestra-idle-*}. */
    IDLE_SCHEDULE,
    /** events:RemoveTargets/DeleteRule on rules {@code orchestra-idle-*}. */
    IDLE_UNSCHEDULE,
    /** states:StartExecution of the cluster-destroy state machine (idle teardown). */
    START_CLUSTER_DESTROY,
    /** dynamodb:Scan on the experiments table (the API's experiment list). */
    TABLE_SCAN,
    /** dynamodb:Scan on the clusters table (the API's cluster list). */
    CLUSTER_TABLE_SCAN,
    /**
     * states:DescribeExecution/StopExecution on the run state machine's executions (stopping an
     * experiment aborts its runs).
     */
    STOP_RUN,
    /**
     * states:StartExecution of the cluster create, update and destroy machines, and
     * DescribeExecution/GetExecutionHistory of their executions (the current step).
     */
    CLUSTER_LIFECYCLE,
    /** iam:GetRole/UpdateAssumeRolePolicy on runtime roles (cluster share and unshare). */
    RUNTIME_ROLE_TRUST,
    /**
     * dynamodb:GetItem/PutItem/UpdateItem/Query on the pools table (PoolStore: records, agents'
     * reports, terminated marks).
     */
    POOL_TABLE,
    /**
     * dynamodb:DeleteItem on the pools table (the tick forgets gone agents and old marks; Dispatch
     * drops its claim when the send failed).
     */
    POOL_TABLE_DELETE,
    /** dynamodb:Scan on the pools table (pool list). */
    POOL_TABLE_SCAN,
    /**
     * Making a pool's own resources (PoolResources.ensure), all named {@code
     * orchestra-pool-<pool>...}: its SQS work queue, its agents' role (only with the boundary) and
     * instance profile under /orchestra/, passing that role to EC2 (AddRoleToInstanceProfile needs
     * it), and its EventBridge tick rule.
     */
    POOL_RESOURCES,
    /**
     * Reading the work queue's depth and removing a destroyed pool's resources
     * (PoolResources.remove): delete the rule, the queue, the profile and the role.
     */
    POOL_RESOURCES_REMOVE,
    /** sqs:SendMessage to the pools' work queues {@code orchestra-pool-*} (Dispatch). */
    POOL_QUEUE_SEND,
    /** ec2:DescribeInstances (a pool's instances by its tag; IAM needs Resource *). */
    POOL_INSTANCES_READ,
    /** ec2:Describe* (instances, spot requests, images of one owner, subnets; Resource *). */
    POOL_EC2_DESCRIBE,
    /**
     * ec2:TerminateInstances only of instances carrying the {@code orchestra:pool} tag (release,
     * idle, reap).
     */
    POOL_TERMINATE,
    /** ec2:CancelSpotInstanceRequests only of spot requests carrying the tag. */
    POOL_CANCEL_SPOT,
    /**
     * ec2:RunInstances/RequestSpotInstances (instances and volumes must be tagged {@code
     * orchestra:pool} in the request), ec2:CreateTags only on launch (ec2:CreateAction RunInstances
     * or RequestSpotInstances), iam:PassRole of the pools' agent roles to EC2.
     */
    POOL_LAUNCH,
    /** dynamodb:GetItem/Query on the experiments table (the pool tick reads run records). */
    TABLE_READ,
    /**
     * states:SendTaskFailure/Heartbeat for the run machine's tokens (an interrupted attempt fails;
     * a run queued on a pool is heartbeaten while it waits).
     */
    FAIL_RUN_TASK
  }

  /** One function: its jar group, timeout, memory and accesses. */
  public record Spec(String group, int timeoutSeconds, int memoryMb, Set<Access> access) {}

  /** The jar of functions that need neither the Kubernetes client nor EKS. */
  public static final String LOOP = "loop";

  /** The jar with the Kubernetes client and EKS. */
  public static final String DISPATCH = "dispatch";

  /** The cluster lifecycle's functions: IAM, EC2, EventBridge, EKS and the Kubernetes client. */
  public static final String CLUSTER = "cluster";

  /**
   * The REST API: Micronaut, the loop's SDKs, EKS, IAM, STS, EC2, EventBridge and the Kubernetes
   * client.
   */
  public static final String API = "api";

  private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

  static {
    SPECS.putAll(
        Map.of(
            FunctionCatalog.INTAKE,
            new Spec(
                LOOP,
                30,
                1024,
                EnumSet.of(
                    Access.TABLE,
                    Access.BUCKET_READ,
                    Access.BUCKET_WRITE,
                    Access.START_EXPERIMENT)),
            FunctionCatalog.PREPARE,
            new Spec(
                LOOP, 60, 1024, EnumSet.of(Access.TABLE, Access.BUCKET_WRITE, Access.START_RUN)),
            FunctionCatalog.WAIT_UNTIL_DONE,
            new Spec(
                LOOP,
                30,
                1024,
                EnumSet.of(Access.TABLE, Access.BUCKET_WRITE, Access.TASK_EXPERIMENT)),
            FunctionCatalog.FINALIZE,
            new Spec(LOOP, 60, 1024, EnumSet.of(Access.TABLE, Access.BUCKET_WRITE)),
            FunctionCatalog.DISPATCH,
            new Spec(
                DISPATCH,
                120,
                1536,
                EnumSet.of(
                    Access.TABLE,
                    Access.BUCKET_READ,
                    Access.BUCKET_WRITE,
                    Access.START_RUN,
                    Access.TASK_EXPERIMENT,
                    Access.EKS_DESCRIBE,
                    Access.POOL_TABLE,
                    // a dispatch claim is dropped when the send fails (PoolWorkDispatcher)
                    Access.POOL_TABLE_DELETE,
                    Access.POOL_QUEUE_SEND,
                    Access.POOL_INSTANCES_READ,
                    Access.POOL_TERMINATE)),
            FunctionCatalog.RECORD,
            new Spec(
                LOOP,
                60,
                1024,
                EnumSet.of(
                    Access.TABLE, Access.BUCKET_WRITE, Access.START_RUN, Access.TASK_EXPERIMENT)),
            // RecordFailure releases the failed attempt's workload (a Job, or a pool instance):
            // the dispatch jar has the Kubernetes client and EC2.
            FunctionCatalog.RECORD_FAILURE,
            new Spec(
                DISPATCH,
                60,
                1024,
                EnumSet.of(
                    Access.TABLE,
                    Access.BUCKET_WRITE,
                    Access.START_RUN,
                    Access.TASK_EXPERIMENT,
                    Access.EKS_DESCRIBE,
                    Access.POOL_TABLE,
                    Access.POOL_INSTANCES_READ,
                    Access.POOL_TERMINATE)),
            // Agents' reports (kind agent) go to the pools table.
            FunctionCatalog.RESULTS,
            new Spec(
                LOOP, 30, 1024, EnumSet.of(Access.TABLE, Access.TASK_RUN, Access.POOL_TABLE))));
    SPECS.put(
        FunctionCatalog.API,
        new Spec(
            API,
            29, // API Gateway's integration timeout
            1536,
            EnumSet.of(
                Access.TABLE,
                Access.TABLE_SCAN,
                Access.BUCKET_READ,
                Access.BUCKET_WRITE,
                Access.START_EXPERIMENT,
                Access.START_RUN,
                Access.TASK_EXPERIMENT,
                Access.TASK_RUN,
                Access.STOP_RUN,
                Access.EKS_DESCRIBE,
                Access.EKS_NODEGROUPS_READ,
                Access.KUBERNETES,
                Access.CLUSTER_TABLE,
                Access.CLUSTER_TABLE_SCAN,
                Access.CLUSTER_LIFECYCLE,
                Access.RUNTIME_ROLE_READ,
                Access.RUNTIME_ROLE_TRUST,
                Access.POOL_TABLE,
                Access.POOL_TABLE_SCAN,
                Access.POOL_RESOURCES,
                Access.POOL_INSTANCES_READ,
                Access.POOL_TERMINATE)));
    // The pool tick: observe (queue depth, tagged instances and spot requests, agents' reports),
    // decide (PoolScaler), apply (launch, terminate, cancel), fail interrupted attempts through
    // the run's task token, and tear a DESTROYING pool's resources down.
    SPECS.put(
        FunctionCatalog.POOL_TICK,
        new Spec(
            CLUSTER,
            120,
            1024,
            EnumSet.of(
                Access.TABLE_READ,
                Access.FAIL_RUN_TASK,
                Access.POOL_TABLE,
                Access.POOL_TABLE_DELETE,
                // reaping: instances tagged for a pool with no record
                Access.POOL_TABLE_SCAN,
                Access.POOL_RESOURCES_REMOVE,
                Access.POOL_EC2_DESCRIBE,
                Access.POOL_LAUNCH,
                Access.POOL_TERMINATE,
                Access.POOL_CANCEL_SPOT)));
    cluster(Step.VALIDATE, 60, EnumSet.of(Access.CLUSTER_TABLE, Access.IAM_POLICY_READ));
    cluster(Step.FIND_SUBNETS, 30, EnumSet.of(Access.EC2_DESCRIBE));
    cluster(Step.CREATE_ROLES, 120, EnumSet.of(Access.CLUSTER_TABLE, Access.RUNTIME_ROLES_MANAGE));
    cluster(
        Step.CREATE_CLUSTER,
        60,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            // only for an execution started before FindSubnets existed (it passes no subnets)
            Access.EC2_DESCRIBE,
            Access.RUNTIME_ROLES_PASS,
            Access.EKS_CLUSTER_WRITE,
            Access.EKS_DESCRIBE));
    cluster(Step.CLUSTER_STATUS, 30, EnumSet.of(Access.EKS_DESCRIBE));
    cluster(
        Step.CREATE_ACCESS_ENTRIES,
        60,
        EnumSet.of(Access.CLUSTER_TABLE, Access.RUNTIME_ROLE_READ, Access.EKS_ACCESS_ENTRIES));
    cluster(
        Step.CREATE_ADDONS,
        60,
        EnumSet.of(Access.CLUSTER_TABLE, Access.RUNTIME_ROLES_PASS, Access.EKS_ADDONS));
    cluster(
        Step.CREATE_NODEGROUPS,
        60,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.EKS_DESCRIBE,
            Access.RUNTIME_ROLES_PASS,
            Access.EKS_NODEGROUPS_READ,
            Access.EKS_NODEGROUPS_WRITE));
    cluster(
        Step.NODEGROUPS_STATUS,
        30,
        EnumSet.of(Access.CLUSTER_TABLE, Access.EKS_DESCRIBE, Access.EKS_NODEGROUPS_READ));
    cluster(Step.BOOTSTRAP_KUBERNETES, 120, EnumSet.of(Access.CLUSTER_TABLE, Access.KUBERNETES));
    cluster(
        Step.FINISH_CREATE,
        30,
        EnumSet.of(Access.CLUSTER_TABLE, Access.IDLE_SCHEDULE, Access.IDLE_UNSCHEDULE));
    cluster(
        Step.ROLLBACK_NODEGROUPS,
        60,
        EnumSet.of(Access.CLUSTER_TABLE, Access.EKS_NODEGROUPS_WRITE));
    cluster(
        Step.ROLLBACK_CLUSTER,
        120,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.EKS_ADDONS,
            Access.EKS_ACCESS_ENTRIES,
            Access.EKS_CLUSTER_WRITE,
            // FinishCreate may have scheduled the idle check before a later step failed.
            Access.IDLE_UNSCHEDULE));
    cluster(
        Step.ROLLBACK_REST,
        120,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.RUNTIME_ROLES_MANAGE,
            // What RollbackCluster does, for an execution started before that step existed.
            Access.EKS_ADDONS,
            Access.EKS_ACCESS_ENTRIES,
            Access.EKS_CLUSTER_WRITE,
            Access.IDLE_UNSCHEDULE));
    cluster(
        Step.DESTROY_NODEGROUPS,
        60,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.EKS_DESCRIBE,
            Access.EKS_NODEGROUPS_READ,
            Access.EKS_NODEGROUPS_WRITE));
    cluster(Step.DESTROY_CLUSTER, 60, EnumSet.of(Access.EKS_CLUSTER_WRITE));
    cluster(
        Step.DESTROY_ROLES,
        120,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.CLUSTER_TABLE_DELETE,
            Access.RUNTIME_ROLES_MANAGE,
            Access.IDLE_UNSCHEDULE));
    cluster(Step.PLAN_UPDATE, 30, EnumSet.of(Access.CLUSTER_TABLE));
    cluster(
        Step.ADVANCE_UPDATE,
        120,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.EKS_DESCRIBE,
            Access.EKS_CLUSTER_WRITE,
            Access.EKS_NODEGROUPS_READ,
            Access.EKS_NODEGROUPS_WRITE,
            Access.RUNTIME_ROLES_PASS,
            Access.RUNTIME_ROLES_MANAGE,
            Access.IDLE_SCHEDULE,
            Access.IDLE_UNSCHEDULE));
    cluster(Step.UPDATE_FAILED, 30, EnumSet.of(Access.CLUSTER_TABLE));
    cluster(
        Step.IDLE_CHECK,
        120,
        EnumSet.of(
            Access.CLUSTER_TABLE,
            Access.KUBERNETES,
            Access.EKS_NODEGROUPS_READ,
            Access.EKS_NODEGROUPS_WRITE,
            Access.IDLE_UNSCHEDULE,
            Access.START_CLUSTER_DESTROY));
  }

  private static void cluster(Step step, int timeoutSeconds, Set<Access> access) {
    SPECS.put(
        FunctionCatalog.clusterFunction(step), new Spec(CLUSTER, timeoutSeconds, 1024, access));
  }

  private FunctionSpecs() {}

  /**
   * @throws IllegalStateException when the catalog has a function this table does not describe
   */
  public static Spec of(String functionName) {
    Spec spec = SPECS.get(functionName);
    if (spec == null) {
      throw new IllegalStateException(
          "function "
              + functionName
              + " is in FunctionCatalog but not in cdk FunctionSpecs; add its jar group, timeout,"
              + " memory and the AWS calls its code makes there");
    }
    return spec;
  }

  /** The shaded jar of a group, as the functions module's {@code lambda} profile names it. */
  public static String jarName(String group) {
    return "orchestra-functions-" + group + ".jar";
  }
}
