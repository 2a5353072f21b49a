package dev.orchestra.functions.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.kubernetes.ClusterEndpointResolver;
import dev.orchestra.functions.kubernetes.EksTokenGenerator;
import dev.orchestra.functions.kubernetes.KubernetesClients;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.cluster.TrustPolicies;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ConfigWriter;
import dev.orchestra.shared.config.Parsed;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.eks.model.Cluster;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

/**
 * What users do with clusters — create, update, destroy (each starts its state machine), status,
 * list, test, share, unshare — for both the API's controllers and the CLI's local path.
 */
public class ClusterOperations {
  public static final String CREATE_MACHINE = "orchestra-cluster-create";
  public static final String UPDATE_MACHINE = "orchestra-cluster-update";
  public static final String DESTROY_MACHINE = "orchestra-cluster-destroy";

  private final OrchestraConfig config;
  private final AwsClients aws;
  private final ClusterStore store;

  public ClusterOperations(OrchestraConfig config, AwsClients aws) {
    this.config = config;
    this.aws = aws;
    this.store = new ClusterStore(aws.dynamo(), config.require(EnvVars.CLUSTER_TABLE));
  }

  /** A started (or, for a repeated create, already running or done) lifecycle execution. */
  public record Started(String name, String executionArn, boolean started) {}

  /** A node group as EKS describes it. */
  public record NodeGroupView(
      @JsonProperty("name") String name,
      @JsonProperty("role") String role,
      @JsonProperty("status") String status,
      @JsonProperty("instance_types") List<String> instanceTypes,
      @JsonProperty("min") Integer min,
      @JsonProperty("max") Integer max,
      @JsonProperty("desired") Integer desired) {}

  /** A cluster as the API and {@code cluster status} show it. */
  public record Status(
      ClusterRecord record,
      String endpoint,
      String caData,
      String accessRoleArn,
      List<NodeGroupView> nodeGroups,
      String executionArn,
      String executionStatus,
      String step,
      String error) {}

  /** {@code cluster test}: the Kubernetes API answered with this many nodes. */
  public record TestResult(String name, String server, int nodes) {}

  /** The identity these calls run as (STS GetCallerIdentity). */
  public String callerArn() {
    return aws.stsCallerArn();
  }

  public ClusterStore store() {
    return store;
  }

  /** Parses and validates cluster.yml; a file with findings is refused, with them. */
  public static ClusterConfig parse(String fileName, String text) {
    Parsed<ClusterConfig> p = ConfigParser.parseCluster(fileName, text);
    if (!p.findings().isEmpty()) {
      throw new ClusterRequestException(
          fileName + " has " + p.findings().size() + " problem(s); nothing was done", p.findings());
    }
    return p.value();
  }

  /**
   * The file as sent to the workflow: the validated model written back without its signing
   * credentials (they never leave the caller, whatever YAML style the file used).
   */
  public static String sendable(ClusterConfig config) {
    return ConfigWriter.toYaml(config.redacted());
  }

  /**
   * Starts cluster create. The same name and configuration again, while that cluster exists (or is
   * being made), starts nothing and answers with its last execution.
   *
   * @param principalArn who may assume the access role first (the caller)
   */
  public Started create(ClusterConfig cluster, String principalArn) {
    String yaml = sendable(cluster);
    var existing = store.get(cluster.clusterName());
    if (existing.isPresent()
        && !ClusterRecord.FAILED.equals(existing.get().status())
        && yaml.equals(existing.get().configYaml())) {
      return new Started(cluster.clusterName(), executionArn(existing.get().execution()), false);
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("clusterName", cluster.clusterName());
    input.put("configYaml", yaml);
    input.put("principalArn", principalArn);
    // A deterministic name: a create repeated before the workflow wrote the record is the same
    // execution (StartExecution with an existing name and input returns it), not a second one.
    String machineArn = machineArn(CREATE_MACHINE, EnvVars.CLUSTER_CREATE_STATE_MACHINE_ARN);
    String name = cluster.clusterName() + "-create-" + hash8(yaml);
    String payload = Json.write(input);
    try {
      String arn =
          aws.sfn()
              .startExecution(b -> b.stateMachineArn(machineArn).name(name).input(payload))
              .executionArn();
      return new Started(cluster.clusterName(), arn, true);
    } catch (software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException before) {
      // That name ran before (the cluster was destroyed since, or its create failed): anew.
      return start(
          CREATE_MACHINE, EnvVars.CLUSTER_CREATE_STATE_MACHINE_ARN, cluster.clusterName(), input);
    }
  }

  /** Starts cluster update of an existing cluster ({@code name} must be the file's). */
  public Started update(String name, ClusterConfig cluster) {
    if (name != null && !name.equals(cluster.clusterName())) {
      throw new ClusterRequestException(
          "the file names cluster "
              + cluster.clusterName()
              + ", not "
              + name
              + "; update a cluster with its own cluster.yml");
    }
    record(cluster.clusterName());
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("clusterName", cluster.clusterName());
    input.put("configYaml", sendable(cluster));
    return start(
        UPDATE_MACHINE, EnvVars.CLUSTER_UPDATE_STATE_MACHINE_ARN, cluster.clusterName(), input);
  }

  /** Starts cluster destroy. */
  public Started destroy(String name) {
    record(name);
    return start(
        DESTROY_MACHINE,
        EnvVars.CLUSTER_DESTROY_STATE_MACHINE_ARN,
        name,
        Map.of("clusterName", name));
  }

  private Started start(
      String machine, String arnVariable, String name, Map<String, Object> input) {
    String machineArn = machineArn(machine, arnVariable);
    String arn =
        aws.sfn()
            .startExecution(
                b ->
                    b.stateMachineArn(machineArn)
                        .name(name + "-" + UUID.randomUUID().toString().substring(0, 8))
                        .input(Json.write(input)))
            .executionArn();
    return new Started(name, arn, true);
  }

  private static String hash8(String s) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private String machineArn(String machine, String arnVariable) {
    return config.get(arnVariable).orElseGet(() -> defaultArn(machine));
  }

  private String defaultArn(String machine) {
    return "arn:aws:states:" + aws.region().id() + ":123456789012:stateMachine:" + machine;
  }

  public ClusterRecord record(String name) {
    return store.get(name).orElseThrow(() -> new UnknownClusterException(name));
  }

  public List<ClusterRecord> list() {
    return store.list();
  }

  /** The record, what EKS says of the cluster and its node groups, and the last execution. */
  public Status status(String name) {
    ClusterRecord r = record(name);
    List<NodeGroupView> groups = new ArrayList<>();
    String endpoint = null;
    String ca = null;
    try {
      Cluster c = aws.eks().describeCluster(b -> b.name(name)).cluster();
      endpoint = c.endpoint();
      ca = c.certificateAuthority() == null ? null : c.certificateAuthority().data();
      for (String g : aws.eks().listNodegroups(b -> b.clusterName(name)).nodegroups()) {
        software.amazon.awssdk.services.eks.model.Nodegroup ng;
        try {
          ng = aws.eks().describeNodegroup(b -> b.clusterName(name).nodegroupName(g)).nodegroup();
        } catch (software.amazon.awssdk.services.eks.model.EksException vanished) {
          // A group deleted between the listing and its description (destroy, rollback) is gone,
          // not an error of this read; anything else while the cluster is not being removed is.
          if (vanished.statusCode() != 404 && !ClusterRecord.DESTROYING.equals(r.status())) {
            throw vanished;
          }
          continue;
        }
        groups.add(
            new NodeGroupView(
                g,
                ng.labels() == null ? null : ng.labels().get("orchestra.dev/node-group"),
                ng.statusAsString(),
                ng.instanceTypes(),
                ng.scalingConfig() == null ? null : ng.scalingConfig().minSize(),
                ng.scalingConfig() == null ? null : ng.scalingConfig().maxSize(),
                ng.scalingConfig() == null ? null : ng.scalingConfig().desiredSize()));
      }
    } catch (ResourceNotFoundException gone) {
      // no EKS cluster (yet, or after a failed create): the record says why
    } catch (software.amazon.awssdk.services.eks.model.EksException going) {
      // While a destroy deletes them, EKS may answer for the cluster or its groups with errors
      // other than not-found; the record and the destroy execution say where it is.
      if (!ClusterRecord.DESTROYING.equals(r.status())) {
        throw going;
      }
    }
    String roleArn = null;
    try {
      roleArn = new ClusterIam(aws.iam(), null).role(ClusterNames.accessRole(name)).arn();
    } catch (RuntimeException noRole) {
      // not made yet, or rolled back
    }
    String executionStatus = null;
    String step = null;
    String error = r.reason() == null || r.reason().isEmpty() ? null : r.reason();
    String executionArn = executionArn(r.execution());
    if (executionArn != null) {
      DescribeExecutionResponse d = describe(executionArn);
      executionStatus = d.statusAsString();
      step = d.status() == ExecutionStatus.RUNNING ? currentStep(executionArn) : null;
      if (error == null && d.status() == ExecutionStatus.FAILED) {
        error = failureMessage(executionArn);
      }
    }
    return new Status(r, endpoint, ca, roleArn, groups, executionArn, executionStatus, step, error);
  }

  /**
   * The ARN of the record's execution (the record keeps its name): looked up in the create, update
   * and destroy machines; null when none knows it (e.g. a restarted local emulator).
   */
  String executionArn(String executionName) {
    if (executionName == null || executionName.isBlank()) {
      return null;
    }
    if (executionName.startsWith("arn:")) {
      return executionName;
    }
    for (String[] m :
        new String[][] {
          {CREATE_MACHINE, EnvVars.CLUSTER_CREATE_STATE_MACHINE_ARN},
          {UPDATE_MACHINE, EnvVars.CLUSTER_UPDATE_STATE_MACHINE_ARN},
          {DESTROY_MACHINE, EnvVars.CLUSTER_DESTROY_STATE_MACHINE_ARN}
        }) {
      String arn =
          dev.orchestra.functions.aws.StepFunctions.executionArn(
              config.get(m[1]).orElseGet(() -> defaultArn(m[0])), executionName);
      try {
        describe(arn);
        return arn;
      } catch (software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException
          | software.amazon.awssdk.services.sfn.model.StateMachineDoesNotExistException notThere) {
        // another machine's
      }
    }
    return null;
  }

  public DescribeExecutionResponse describe(String executionArn) {
    return aws.sfn().describeExecution(b -> b.executionArn(executionArn));
  }

  /** The last state entered (histories of these machines are small: read them whole). */
  public String currentStep(String executionArn) {
    String step = "starting";
    for (HistoryEvent e :
        aws.sfn().getExecutionHistoryPaginator(b -> b.executionArn(executionArn)).events()) {
      if (e.stateEnteredEventDetails() != null) {
        step = e.stateEnteredEventDetails().name();
      }
    }
    return step;
  }

  /** The error message of the last failed task (a handler's exception message), or null. */
  public String failureMessage(String executionArn) {
    String cause = null;
    for (HistoryEvent e :
        aws.sfn().getExecutionHistoryPaginator(b -> b.executionArn(executionArn)).events()) {
      if (e.taskFailedEventDetails() != null) {
        cause = e.taskFailedEventDetails().cause();
      } else if (e.lambdaFunctionFailedEventDetails() != null) {
        cause = e.lambdaFunctionFailedEventDetails().cause();
      }
    }
    if (cause == null) {
      return null;
    }
    try {
      var node = Json.MAPPER.readTree(cause);
      return node.has("errorMessage") ? node.get("errorMessage").asText() : cause;
    } catch (java.io.IOException | RuntimeException notJson) {
      return cause;
    }
  }

  /** Reaches the cluster's Kubernetes API with an EKS token and counts its nodes. */
  public TestResult test(String name) {
    record(name);
    KubernetesClients clients =
        new KubernetesClients(
            new ClusterEndpointResolver(config, aws::eks),
            new EksTokenGenerator(aws.credentials(), aws.region()));
    try (KubernetesClient k = clients.open(name)) {
      return new TestResult(name, k.getMasterUrl().toString(), k.nodes().list().getItems().size());
    }
  }

  /** Lets {@code principal} assume the access role; returns the principals it trusts now. */
  public List<String> share(String name, String principal) {
    return editTrust(name, principal, true);
  }

  public List<String> unshare(String name, String principal) {
    return editTrust(name, principal, false);
  }

  private List<String> editTrust(String name, String principal, boolean add) {
    if (principal == null || !principal.matches("arn:aws[a-z-]*:(iam|sts)::\\d{12}:.+")) {
      throw new ClusterRequestException(
          "principal "
              + principal
              + " is not an IAM ARN (arn:aws:iam::123456789012:user/NAME or role/NAME)");
    }
    record(name);
    ClusterIam iam = new ClusterIam(aws.iam(), null);
    try {
      return iam.editTrust(
          ClusterNames.accessRole(name),
          doc ->
              add
                  ? TrustPolicies.addPrincipal(doc, principal)
                  : TrustPolicies.removePrincipal(doc, principal));
    } catch (IllegalArgumentException e) {
      throw new ClusterRequestException(e.getMessage());
    }
  }
}
