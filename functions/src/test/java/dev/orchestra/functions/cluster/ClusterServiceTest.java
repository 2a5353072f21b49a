package dev.orchestra.functions.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.MotoServer;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.cluster.ClusterRefusedException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.Nodegroup;

/**
 * The steps moto implements (IAM, EC2, EKS clusters and node groups), against a real moto server;
 * the EKS APIs moto lacks run through the local runtime's gap fillers in the local module's tests.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class ClusterServiceTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static MotoServer moto;
  static AwsClients aws;
  static ClusterService service;

  static final String GPU_YAML =
      """
      cluster_name: %s
      cpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}
      gpu: {instance_type: g5.xlarge, min_nodes: 0, max_nodes: 2}
      tags: {team: ml}
      """;
  static final String PRINCIPAL = "arn:aws:iam::123456789012:user/alice";

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    aws = new AwsClients(moto.config(Map.of()));
    ClusterStore.createTable(aws.dynamo(), "clusters");
    service = service(aws::eks, aws::ec2, List.of());
  }

  /** A service on the shared store, IAM and Kubernetes API, with these EKS and EC2 clients. */
  static ClusterService service(
      Supplier<EksClient> eks, Supplier<Ec2Client> ec2, List<String> subnetIds) {
    return new ClusterService(
        new ClusterStore(aws.dynamo(), "clusters"),
        eks,
        new ClusterIam(aws.iam(), null),
        ec2,
        name -> server.createClient(),
        new ClusterService.Settings(null, null, null, null, "bucket", subnetIds));
  }

  /** A client the step under test must not build: building it fails the test. */
  static <T> Supplier<T> forbidden(String why) {
    return () -> {
      throw new AssertionError(why);
    };
  }

  @AfterAll
  static void stop() {
    aws.close();
    moto.close();
  }

  static void createThroughNodegroups(String name, String exec) {
    service.validate(GPU_YAML.formatted(name), exec);
    Map<String, Object> roles = service.createRoles(name, PRINCIPAL, exec);
    // CreateRoles reports the cluster role's ARN (as IAM has it) for CreateCluster, through the
    // state, so CreateCluster calls no IAM; an ARN of another role is not taken.
    String clusterRoleArn = aws.iam().getRole(b -> b.roleName(name + "-cluster-role")).role().arn();
    assertThat(roles).containsEntry("clusterRoleArn", clusterRoleArn);
    @SuppressWarnings("unchecked")
    List<String> subnets = (List<String>) service.findSubnets().get("subnetIds");
    assertThat(subnets).isEqualTo(service.defaultSubnets());
    // CreateCluster takes FindSubnets' answer and calls no EC2 for it.
    ClusterService noEc2 =
        service(
            aws::eks, forbidden("CreateCluster called EC2 though FindSubnets answered"), List.of());
    assertThat(
            noEc2.createCluster(
                name, exec, clusterRoleArn.replace("-cluster-role", "-k8s-access-role"), subnets))
        .containsEntry("status", "ACTIVE");
    var cluster = aws.eks().describeCluster(b -> b.name(name)).cluster();
    assertThat(cluster.roleArn()).isEqualTo(clusterRoleArn);
    assertThat(cluster.resourcesVpcConfig().subnetIds())
        .containsExactlyInAnyOrderElementsOf(subnets);
    // An execution started before FindSubnets existed passes none: looked up as before.
    assertThat(service.createCluster(name, exec, clusterRoleArn, null))
        .containsEntry("status", "ACTIVE");
    service.createNodegroups(name, exec);
  }

  @Test
  void create_makesRolesClusterAndNodegroupsAsTheFileSays() {
    createThroughNodegroups("svc-a", "exec-1");
    var role = aws.iam().getRole(b -> b.roleName("svc-a-k8s-access-role")).role();
    assertThat(role.path()).isEqualTo("/orchestra/");
    List<Nodegroup> groups =
        service.listNodegroups("svc-a").stream()
            .map(
                g ->
                    aws.eks()
                        .describeNodegroup(b -> b.clusterName("svc-a").nodegroupName(g))
                        .nodegroup())
            .toList();
    assertThat(groups).hasSize(3);
    Nodegroup gpu =
        groups.stream().filter(g -> g.nodegroupName().startsWith("gpu-")).findFirst().orElseThrow();
    assertThat(gpu.amiTypeAsString()).isEqualTo("AL2023_x86_64_NVIDIA");
    assertThat(gpu.instanceTypes()).containsExactly("g5.xlarge");
    assertThat(gpu.scalingConfig().minSize()).isZero();
    assertThat(gpu.scalingConfig().maxSize()).isEqualTo(2);
    assertThat(gpu.tags()).containsEntry("orchestra:cluster", "svc-a").containsEntry("team", "ml");
    assertThat(service.nodegroupsStatus("svc-a", false)).containsEntry("done", true);
    assertThat(service.bootstrapKubernetes("svc-a")).containsEntry("applied", 7);
    assertThat(client.namespaces().withName("orchestra-runs").get()).isNotNull();
    assertThat(
            client
                .apps()
                .daemonSets()
                .inNamespace("kube-system")
                .withName("nvidia-device-plugin")
                .get())
        .isNotNull();
  }

  @Test
  void defaultSubnets_oneRequest_sameAsTheDefaultVpcsDefaultSubnetsInZonesEksSupports() {
    // What the three-request lookup (DescribeAvailabilityZones, DescribeVpcs, DescribeSubnets)
    // returned: the default VPC's default-for-AZ subnets outside the zones EKS refuses.
    String vpc =
        aws.ec2()
            .describeVpcs(b -> b.filters(f -> f.name("is-default").values("true")))
            .vpcs()
            .get(0)
            .vpcId();
    var inVpc =
        aws.ec2().describeSubnets(b -> b.filters(f -> f.name("vpc-id").values(vpc))).subnets();
    List<String> expected =
        inVpc.stream()
            .filter(s -> Boolean.TRUE.equals(s.defaultForAz()))
            .filter(s -> !ClusterService.EKS_UNSUPPORTED_ZONE_IDS.contains(s.availabilityZoneId()))
            .map(s -> s.subnetId())
            .sorted()
            .toList();
    List<String> refusedZone =
        inVpc.stream()
            .filter(s -> ClusterService.EKS_UNSUPPORTED_ZONE_IDS.contains(s.availabilityZoneId()))
            .map(s -> s.subnetId())
            .toList();

    List<String> subnets = service.defaultSubnets();

    assertThat(subnets).hasSizeGreaterThanOrEqualTo(2).isEqualTo(expected);
    // moto's us-east-1 has use1-az3 (us-east-1e), where EKS creates no control plane
    assertThat(refusedZone).isNotEmpty();
    assertThat(subnets).doesNotContainAnyElementsOf(refusedZone);
  }

  @Test
  void create_withConfiguredSubnets_usesThemForClusterAndNodegroups() {
    var vpc = aws.ec2().createVpc(b -> b.cidrBlock("10.42.0.0/16")).vpc().vpcId();
    String a =
        aws.ec2()
            .createSubnet(
                b -> b.vpcId(vpc).cidrBlock("10.42.1.0/24").availabilityZone("us-east-1a"))
            .subnet()
            .subnetId();
    String c =
        aws.ec2()
            .createSubnet(
                b -> b.vpcId(vpc).cidrBlock("10.42.2.0/24").availabilityZone("us-east-1c"))
            .subnet()
            .subnetId();
    ClusterService configured =
        service(aws::eks, forbidden("configured subnets need no EC2 lookup"), List.of(a, c));
    configured.validate(GPU_YAML.formatted("svc-subnets"), "exec-s");
    assertThat(configured.findSubnets()).containsEntry("subnetIds", List.of(a, c));
    configured.createRoles("svc-subnets", PRINCIPAL, "exec-s");
    configured.createCluster("svc-subnets", "exec-s");
    configured.createNodegroups("svc-subnets", "exec-s");
    assertThat(
            aws.eks()
                .describeCluster(b -> b.name("svc-subnets"))
                .cluster()
                .resourcesVpcConfig()
                .subnetIds())
        .containsExactlyInAnyOrder(a, c);
    for (String g : configured.listNodegroups("svc-subnets")) {
      assertThat(
              aws.eks()
                  .describeNodegroup(b -> b.clusterName("svc-subnets").nodegroupName(g))
                  .nodegroup()
                  .subnets())
          .containsExactlyInAnyOrder(a, c);
    }
  }

  @Test
  void createTwice_recordsOnlyTheFirstCreator_andRollbackOfTheSecondDeletesNothing() {
    createThroughNodegroups("svc-b", "exec-1");
    createThroughNodegroups("svc-b", "exec-2");
    assertThat(service.store().get("svc-b").orElseThrow().created())
        .allSatisfy((k, v) -> assertThat(v).isEqualTo("exec-1"));
    service.rollbackNodegroups("svc-b", "exec-2");
    service.rollbackCluster("svc-b", "exec-2");
    service.rollbackRest("svc-b", "exec-2", "test");
    assertThat(service.listNodegroups("svc-b")).hasSize(3);
    assertThat(service.clusterExists("svc-b")).isTrue();
  }

  @Test
  void rollback_deletesWhatTheExecutionCreated_theEksPartFirst_thenTheRolesWithoutEks() {
    createThroughNodegroups("svc-c", "exec-1");
    service.rollbackNodegroups("svc-c", "exec-1");
    assertThat(service.nodegroupsStatus("svc-c", true)).containsEntry("done", true);

    service.rollbackCluster("svc-c", "exec-1");
    assertThat(service.clusterExists("svc-c")).isFalse();
    assertThat(service.store().get("svc-c").orElseThrow().created().keySet())
        .isNotEmpty()
        .allMatch(k -> k.startsWith("role:"));
    // again (at least once): nothing left for it
    assertThat(service.rollbackCluster("svc-c", "exec-1")).containsEntry("status", "ROLLED_BACK");

    ClusterService noEks =
        service(
            forbidden("RollbackRest called EKS after RollbackCluster"),
            forbidden("RollbackRest called EC2"),
            List.of());
    noEks.rollbackRest("svc-c", "exec-1", "boom");
    assertRolledBack("svc-c", "boom");
  }

  @Test
  void rollbackRest_alone_asAnExecutionStartedBeforeRollbackClusterExisted_deletesEverything() {
    createThroughNodegroups("svc-e", "exec-1");
    service.rollbackNodegroups("svc-e", "exec-1");
    assertThat(service.nodegroupsStatus("svc-e", true)).containsEntry("done", true);
    service.rollbackRest("svc-e", "exec-1", "before the split");
    assertRolledBack("svc-e", "before the split");
  }

  static void assertRolledBack(String name, String reason) {
    assertThat(service.clusterExists(name)).isFalse();
    assertThat(service.store().get(name).orElseThrow().created()).isEmpty();
    for (String r : ClusterNames.roles(name)) {
      assertThat(aws.iam().listRoles(b -> b.pathPrefix("/orchestra/")).roles())
          .noneMatch(x -> x.roleName().equals(r));
    }
    assertThat(service.store().get(name).orElseThrow().status()).isEqualTo("FAILED");
    assertThat(service.store().get(name).orElseThrow().reason()).isEqualTo(reason);
  }

  @Test
  void destroy_leavesNothing() {
    createThroughNodegroups("svc-d", "exec-1");
    service.destroyNodegroups("svc-d");
    assertThat(service.nodegroupsStatus("svc-d", true)).containsEntry("done", true);
    service.destroyCluster("svc-d");
    assertThat(service.clusterStatus("svc-d")).containsEntry("status", "GONE");
    service.destroyRolesAndRecord("svc-d");
    assertThat(aws.iam().listRoles(b -> b.pathPrefix("/orchestra/")).roles())
        .noneMatch(r -> r.roleName().startsWith("svc-d-"));
    assertThat(service.store().get("svc-d")).isEmpty();
    // destroying again is done already
    service.destroyNodegroups("svc-d");
    service.destroyCluster("svc-d");
    service.destroyRolesAndRecord("svc-d");
  }

  @Test
  void validate_whenPolicyMissing_refusesNamingIt() {
    assertThatThrownBy(
            () ->
                service.validate(
                    GPU_YAML.formatted("svc-e")
                        + "aws: {additional_policies: [arn:aws:iam::123456789012:policy/nope]}\n",
                    "exec-1"))
        .isInstanceOf(ClusterRefusedException.class)
        .hasMessageContaining("policy/nope does not exist");
  }

  @Test
  void validate_whenBoundaryCancelsPolicy_refusesWithReason() {
    String boundary =
        aws.iam()
            .createPolicy(
                b ->
                    b.policyName("boundary")
                        .policyDocument(
                            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"))
            .policy()
            .arn();
    String wide =
        aws.iam()
            .createPolicy(
                b ->
                    b.policyName("wide")
                        .policyDocument(
                            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"iam:CreateUser\"],\"Resource\":\"*\"}]}"))
            .policy()
            .arn();
    ClusterService bounded =
        new ClusterService(
            service.store(),
            aws.eks(),
            new ClusterIam(aws.iam(), boundary),
            aws.ec2(),
            n -> server.createClient(),
            new ClusterService.Settings(boundary, null, null, null, null, List.of()));
    assertThatThrownBy(
            () ->
                bounded.validate(
                    GPU_YAML.formatted("svc-f") + "aws: {additional_policies: [" + wide + "]}\n",
                    "exec-1"))
        .isInstanceOf(ClusterRefusedException.class)
        .hasMessageContaining("[iam:CreateUser]")
        .hasMessageContaining("permissions boundary");
  }
}
