package dev.orchestra.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.local.router.GapFiller;
import dev.orchestra.local.router.RouterRequest;
import dev.orchestra.local.router.RouterResponse;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.model.Nodegroup;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The cluster state machines end to end on the local runtime: the real ASL on moto's engine, the
 * real handlers through the router, EKS calls moto lacks answered by {@link EksGapFiller}, the
 * Kubernetes API the runtime's mock. Assertions go through the EKS and IAM APIs themselves.
 */
class ClusterLifecycleTest {
  static final Path GPU_YML =
      Path.of("..", "examples", "clusters", "gpu.yml").toAbsolutePath().normalize();
  static final String PRINCIPAL = "arn:aws:iam::123456789012:user/alice";
  static final String DOOMED = "doomed-cluster";

  static LocalRuntime runtime;
  static AwsClients aws;

  /** Fails CreateNodegroup for the cluster named {@link #DOOMED}, as EKS would on a quota. */
  static final class FailingNodegroups implements GapFiller {
    @Override
    public boolean handles(RouterRequest r) {
      return r.method().equals("POST") && r.path().equals("/clusters/" + DOOMED + "/node-groups");
    }

    @Override
    public RouterResponse handle(RouterRequest r) {
      return new RouterResponse(
          400,
          Map.of(
              "Content-Type",
              "application/json",
              "x-amzn-ErrorType",
              "ResourceLimitExceededException"),
          "{\"message\":\"injected: node group quota reached\"}".getBytes(StandardCharsets.UTF_8));
    }
  }

  @BeforeAll
  static void start() throws IOException {
    runtime =
        LocalRuntime.start(
            LocalRuntimeOptions.defaults()
                .withTimeScale(new TimeScale(0.02))
                .withGapFillers(List.of(new FailingNodegroups(), new EksGapFiller())));
    aws = new AwsClients(runtime.config());
  }

  @AfterAll
  static void stop() {
    if (aws != null) {
      aws.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  static String machineArn(String name) {
    return "arn:aws:states:us-east-1:123456789012:stateMachine:" + name;
  }

  static DescribeExecutionResponse run(String machine, Map<String, Object> input)
      throws IOException {
    String payload = jsonOf(input);
    String arn =
        aws.sfn()
            .startExecution(
                b ->
                    b.stateMachineArn(machineArn(machine))
                        .name(UUID.randomUUID().toString())
                        .input(payload))
            .executionArn();
    return Poll.until(
        machine + " to finish",
        Duration.ofSeconds(60),
        () -> {
          DescribeExecutionResponse d = aws.sfn().describeExecution(b -> b.executionArn(arn));
          return d.status() == ExecutionStatus.RUNNING ? null : d;
        });
  }

  static String jsonOf(Object o) throws IOException {
    return Json.MAPPER.writeValueAsString(o);
  }

  static DescribeExecutionResponse create(String yaml) throws IOException {
    String name =
        yaml.lines()
            .filter(l -> l.startsWith("cluster_name:"))
            .findFirst()
            .orElseThrow()
            .split(":")[1]
            .trim();
    return run(
        ClusterResources.CREATE_MACHINE,
        Map.of("clusterName", name, "configYaml", yaml, "principalArn", PRINCIPAL));
  }

  static List<Nodegroup> nodegroups(String cluster) {
    return aws.eks().listNodegroups(b -> b.clusterName(cluster)).nodegroups().stream()
        .map(
            g ->
                aws.eks()
                    .describeNodegroup(b -> b.clusterName(cluster).nodegroupName(g))
                    .nodegroup())
        .toList();
  }

  static Nodegroup group(String cluster, String role) {
    return nodegroups(cluster).stream()
        .filter(g -> role.equals(g.labels().get("orchestra.dev/node-group")))
        .findFirst()
        .orElseThrow();
  }

  static List<Role> orchestraRoles(String cluster) {
    return aws.iam().listRoles(b -> b.pathPrefix("/orchestra/")).roles().stream()
        .filter(r -> r.roleName().startsWith(cluster + "-"))
        .toList();
  }

  @Test
  void createFromGpuExample_thenUpdate_thenDestroy() throws IOException {
    String yaml = Files.readString(GPU_YML).replace("gpu-cluster", "life-cluster");
    String c = "life-cluster";

    long t0 = System.nanoTime();
    DescribeExecutionResponse created = create(yaml);
    long createMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(created.status())
        .as(created.error() + " " + created.cause())
        .isEqualTo(ExecutionStatus.SUCCEEDED);
    System.out.println("cluster create on the local runtime took " + createMs + " ms");

    var cluster = aws.eks().describeCluster(b -> b.name(c)).cluster();
    assertThat(cluster.status().toString()).isEqualTo("ACTIVE");
    assertThat(cluster.version()).isEqualTo(dev.orchestra.shared.config.EksVersions.newest());
    assertThat(cluster.tags()).containsEntry("orchestra:cluster", c);
    assertThat(cluster.accessConfig().authenticationModeAsString()).isEqualTo("API");
    assertThat(nodegroups(c)).hasSize(3);
    assertThat(group(c, "system").scalingConfig().minSize()).isEqualTo(1);
    assertThat(group(c, "cpu").instanceTypes()).containsExactly("m5.large");
    assertThat(group(c, "cpu").scalingConfig().maxSize()).isEqualTo(2);
    Nodegroup gpu = group(c, "gpu");
    assertThat(gpu.instanceTypes()).containsExactly("g5.xlarge");
    assertThat(gpu.amiTypeAsString()).isEqualTo("AL2023_x86_64_NVIDIA");
    assertThat(gpu.scalingConfig().minSize()).isZero();
    assertThat(gpu.taints()).anySatisfy(t -> assertThat(t.key()).isEqualTo("nvidia.com/gpu"));
    Role access = aws.iam().getRole(b -> b.roleName(c + "-k8s-access-role")).role();
    assertThat(access.path()).isEqualTo("/orchestra/");
    assertThat(access.permissionsBoundary().permissionsBoundaryArn())
        .isEqualTo("arn:aws:iam::123456789012:policy/orchestra/orchestra-permissions-boundary");
    assertThat(
            java.net.URLDecoder.decode(access.assumeRolePolicyDocument(), StandardCharsets.UTF_8))
        .contains(PRINCIPAL);
    assertThat(aws.eks().listAccessEntries(b -> b.clusterName(c)).accessEntries())
        .contains(
            access.arn(),
            "arn:aws:iam::123456789012:role/orchestra-local-cluster-ops",
            "arn:aws:iam::123456789012:role/orchestra-local-dispatcher");
    assertThat(
            aws.eks()
                .listAssociatedAccessPolicies(
                    b ->
                        b.clusterName(c)
                            .principalArn(
                                "arn:aws:iam::123456789012:role/orchestra-local-dispatcher"))
                .associatedAccessPolicies())
        .singleElement()
        .satisfies(p -> assertThat(p.accessScope().namespaces()).containsExactly("orchestra-runs"));
    assertThat(aws.eks().listAddons(b -> b.clusterName(c)).addons())
        .containsExactly("eks-pod-identity-agent");
    var reporter =
        aws.eks()
            .listPodIdentityAssociations(
                b ->
                    b.clusterName(c)
                        .namespace("orchestra-runs")
                        .serviceAccount("orchestra-reporter"))
            .associations();
    assertThat(reporter).hasSize(1);

    // Create again: harmless, nothing new.
    String gpuName = gpu.nodegroupName();
    assertThat(create(yaml).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(nodegroups(c)).hasSize(3);
    assertThat(orchestraRoles(c)).hasSize(5);

    // Update: scale cpu in place, change the gpu instance type (replaced: new name, old gone).
    String updated =
        yaml.replace("max_nodes: 2\n\ngpu", "max_nodes: 4\n\ngpu")
            .replace("g5.xlarge", "g6.xlarge");
    assertThat(updated).contains("max_nodes: 4").contains("g6.xlarge");
    String cpuName = group(c, "cpu").nodegroupName();
    DescribeExecutionResponse up =
        run(ClusterResources.UPDATE_MACHINE, Map.of("clusterName", c, "configYaml", updated));
    assertThat(up.status()).as(up.error() + " " + up.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(group(c, "cpu").nodegroupName()).isEqualTo(cpuName);
    assertThat(group(c, "cpu").scalingConfig().maxSize()).isEqualTo(4);
    assertThat(group(c, "gpu").instanceTypes()).containsExactly("g6.xlarge");
    assertThat(group(c, "gpu").nodegroupName()).isNotEqualTo(gpuName);
    assertThat(nodegroups(c)).hasSize(3);

    // An update that cannot apply is refused before anything is touched.
    DescribeExecutionResponse refused =
        run(
            ClusterResources.UPDATE_MACHINE,
            Map.of("clusterName", c, "configYaml", updated + "kubernetes_version: '1.33'\n"));
    assertThat(refused.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(refused.error()).isEqualTo("dev.orchestra.shared.cluster.ClusterRefusedException");

    // Destroy leaves nothing.
    DescribeExecutionResponse destroyed =
        run(ClusterResources.DESTROY_MACHINE, Map.of("clusterName", c));
    assertThat(destroyed.status())
        .as(destroyed.error() + " " + destroyed.cause())
        .isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(aws.eks().listClusters().clusters()).doesNotContain(c);
    assertThat(orchestraRoles(c)).isEmpty();
    assertThat(new ClusterStore(aws.dynamo(), ClusterResources.TABLE).get(c)).isEmpty();
  }

  @Test
  void failureAtNodegroupCreation_rollsBackToNothing() throws IOException {
    String yaml = Files.readString(GPU_YML).replace("gpu-cluster", DOOMED);
    DescribeExecutionResponse d = create(yaml);
    assertThat(d.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(aws.eks().listClusters().clusters()).doesNotContain(DOOMED);
    assertThat(orchestraRoles(DOOMED)).isEmpty();
    var record = new ClusterStore(aws.dynamo(), ClusterResources.TABLE).get(DOOMED).orElseThrow();
    assertThat(record.status()).isEqualTo("FAILED");
    assertThat(record.reason()).contains("injected: node group quota reached");
    assertThat(record.created()).isEmpty();
    List<String> entered =
        aws.sfn().getExecutionHistory(b -> b.executionArn(d.executionArn())).events().stream()
            .filter(e -> e.stateEnteredEventDetails() != null)
            .map(e -> e.stateEnteredEventDetails().name())
            .toList();
    assertThat(entered)
        .containsSubsequence(
            "Validate",
            "FindSubnets",
            "CreateRoles",
            "CreateCluster",
            "CreateNodegroups",
            "RollbackNodegroups",
            "RollbackCluster",
            "RollbackRest",
            "CreateFailed");
  }

  @Test
  void idleTeardown_firesUnderTimeScaling_scaleToZeroThenDestroy() throws IOException {
    String c = "idle-cluster";
    String yaml =
        """
        cluster_name: idle-cluster
        cpu: {instance_type: m5.large, min_nodes: 1, max_nodes: 3}
        idle_timeout_minutes: 1
        """;
    assertThat(create(yaml).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(aws.events().listRules(b -> b.namePrefix("orchestra-idle-" + c)).rules())
        .singleElement()
        .satisfies(r -> assertThat(r.scheduleExpression()).isEqualTo("rate(1 minute)"));
    // One idle minute is 1.2 s at time scale 0.02; the stand-in fires the rule's target.
    Nodegroup cpu =
        Poll.until(
            "the idle check to scale cpu to zero",
            Duration.ofSeconds(30),
            () -> {
              Nodegroup g = group(c, "cpu");
              return g.scalingConfig().minSize() == 0 && g.scalingConfig().desiredSize() == 0
                  ? g
                  : null;
            });
    assertThat(cpu.scalingConfig().maxSize()).isEqualTo(3);
    assertThat(group(c, "system").scalingConfig().minSize()).isEqualTo(1);
    var store = new ClusterStore(aws.dynamo(), ClusterResources.TABLE);
    assertThat(store.get(c).orElseThrow().history())
        .anySatisfy(h -> assertThat(h).contains("scaled [cpu] to zero"));

    // idle_action: destroy — through an update, which reschedules.
    DescribeExecutionResponse up =
        run(
            ClusterResources.UPDATE_MACHINE,
            Map.of("clusterName", c, "configYaml", yaml + "idle_action: destroy\n"));
    assertThat(up.status()).as(up.error() + " " + up.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
    Poll.until(
        "the idle check to destroy the cluster",
        Duration.ofSeconds(40),
        () -> store.get(c).isEmpty() && !aws.eks().listClusters().clusters().contains(c));
    assertThat(orchestraRoles(c)).isEmpty();
    assertThat(aws.events().listRules(b -> b.namePrefix("orchestra-idle-" + c)).rules()).isEmpty();
  }

  @Test
  void additionalPolicyTheBoundaryCancels_isRefusedBeforeAnythingIsMade() throws IOException {
    String yaml =
        """
        cluster_name: greedy-cluster
        cpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 1}
        aws:
          additional_policies:
            - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
            - arn:aws:iam::aws:policy/IAMFullAccess
        """;
    DescribeExecutionResponse d = create(yaml);
    assertThat(d.status()).isEqualTo(ExecutionStatus.FAILED);
    assertThat(d.error()).isEqualTo("dev.orchestra.shared.cluster.ClusterRefusedException");
    String history =
        aws.sfn().getExecutionHistory(b -> b.executionArn(d.executionArn())).events().stream()
            .filter(e -> e.taskFailedEventDetails() != null)
            .map(e -> e.taskFailedEventDetails().cause())
            .collect(java.util.stream.Collectors.joining("\n"));
    assertThat(history).contains("IAMFullAccess allows").contains("permissions boundary");
    assertThat(history).doesNotContain("AmazonS3ReadOnlyAccess allows");
    assertThat(orchestraRoles("greedy-cluster")).isEmpty();
    assertThat(aws.eks().listClusters().clusters()).doesNotContain("greedy-cluster");
  }
}
