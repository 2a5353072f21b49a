package dev.orchestra.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.shared.TimeScale;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.AccessScopeType;
import software.amazon.awssdk.services.eks.model.ResourceInUseException;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;

/** The EKS gap filler through the SDK and the router, next to moto's own EKS. */
class EksGapFillerTest {
  static LocalRuntime runtime;
  static AwsClients aws;
  static EksClient eks;
  static final String ROLE = "arn:aws:iam::123456789012:role/r";

  @BeforeAll
  static void start() throws IOException {
    runtime =
        LocalRuntime.start(
            LocalRuntimeOptions.defaults()
                .withTimeScale(new TimeScale(0.02))
                .withGapFillers(List.of(new EksGapFiller())));
    aws = new AwsClients(runtime.config());
    eks = aws.eks();
    eks.createCluster(
        b -> b.name("gf").roleArn(ROLE).resourcesVpcConfig(v -> v.subnetIds("subnet-1")));
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

  @Test
  void accessEntries_createDescribeAssociateDisassociateDelete() {
    eks.createAccessEntry(b -> b.clusterName("gf").principalArn(ROLE));
    assertThatThrownBy(() -> eks.createAccessEntry(b -> b.clusterName("gf").principalArn(ROLE)))
        .isInstanceOf(ResourceInUseException.class);
    assertThat(
            eks.describeAccessEntry(b -> b.clusterName("gf").principalArn(ROLE))
                .accessEntry()
                .type())
        .isEqualTo("STANDARD");
    eks.associateAccessPolicy(
        b ->
            b.clusterName("gf")
                .principalArn(ROLE)
                .policyArn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy")
                .accessScope(s -> s.type(AccessScopeType.NAMESPACE).namespaces("ns")));
    var listed =
        eks.listAssociatedAccessPolicies(b -> b.clusterName("gf").principalArn(ROLE))
            .associatedAccessPolicies();
    assertThat(listed)
        .singleElement()
        .satisfies(p -> assertThat(p.accessScope().typeAsString()).isEqualTo("namespace"));
    eks.disassociateAccessPolicy(
        b ->
            b.clusterName("gf")
                .principalArn(ROLE)
                .policyArn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"));
    assertThat(
            eks.listAssociatedAccessPolicies(b -> b.clusterName("gf").principalArn(ROLE))
                .associatedAccessPolicies())
        .isEmpty();
    eks.deleteAccessEntry(b -> b.clusterName("gf").principalArn(ROLE));
    assertThatThrownBy(() -> eks.describeAccessEntry(b -> b.clusterName("gf").principalArn(ROLE)))
        .isInstanceOf(ResourceNotFoundException.class);
  }

  @Test
  void addonsAndPodIdentity_createDescribeListDelete() {
    eks.createAddon(b -> b.clusterName("gf").addonName("eks-pod-identity-agent"));
    assertThat(
            eks.describeAddon(b -> b.clusterName("gf").addonName("eks-pod-identity-agent"))
                .addon()
                .statusAsString())
        .isEqualTo("ACTIVE");
    assertThat(eks.listAddons(b -> b.clusterName("gf")).addons())
        .containsExactly("eks-pod-identity-agent");
    eks.deleteAddon(b -> b.clusterName("gf").addonName("eks-pod-identity-agent"));
    assertThatThrownBy(
            () -> eks.describeAddon(b -> b.clusterName("gf").addonName("eks-pod-identity-agent")))
        .isInstanceOf(ResourceNotFoundException.class);

    String id =
        eks.createPodIdentityAssociation(
                b -> b.clusterName("gf").namespace("ns").serviceAccount("sa").roleArn(ROLE))
            .association()
            .associationId();
    assertThat(
            eks.describePodIdentityAssociation(b -> b.clusterName("gf").associationId(id))
                .association()
                .roleArn())
        .isEqualTo(ROLE);
    assertThat(
            eks.listPodIdentityAssociations(b -> b.clusterName("gf").namespace("other"))
                .associations())
        .isEmpty();
    assertThat(
            eks.listPodIdentityAssociations(b -> b.clusterName("gf").namespace("ns"))
                .associations())
        .hasSize(1);
    eks.deletePodIdentityAssociation(b -> b.clusterName("gf").associationId(id));
    assertThat(eks.listPodIdentityAssociations(b -> b.clusterName("gf")).associations()).isEmpty();
  }

  @Test
  void describeUpdate_afterUpdateNodegroupConfig_isSuccessful() {
    eks.createNodegroup(
        b ->
            b.clusterName("gf")
                .nodegroupName("ng")
                .nodeRole(ROLE)
                .subnets("subnet-1")
                .scalingConfig(s -> s.minSize(0).maxSize(1).desiredSize(0)));
    String id =
        eks.updateNodegroupConfig(
                b ->
                    b.clusterName("gf")
                        .nodegroupName("ng")
                        .scalingConfig(s -> s.minSize(0).maxSize(3)))
            .update()
            .id();
    var u = eks.describeUpdate(b -> b.name("gf").nodegroupName("ng").updateId(id)).update();
    assertThat(u.id()).isEqualTo(id);
    assertThat(u.statusAsString()).isEqualTo("Successful");
  }

  @Test
  void accessConfig_keptFromCreateCluster_andReturnedByDescribeCluster() {
    var created =
        eks.createCluster(
                b ->
                    b.name("ac")
                        .roleArn(ROLE)
                        .resourcesVpcConfig(v -> v.subnetIds("subnet-1"))
                        .accessConfig(
                            a ->
                                a.authenticationMode(
                                        software.amazon.awssdk.services.eks.model.AuthenticationMode
                                            .API)
                                    .bootstrapClusterCreatorAdminPermissions(false)))
            .cluster();
    assertThat(created.accessConfig().authenticationModeAsString()).isEqualTo("API");
    var described = eks.describeCluster(b -> b.name("ac")).cluster();
    assertThat(described.accessConfig().authenticationModeAsString()).isEqualTo("API");
    assertThat(described.accessConfig().bootstrapClusterCreatorAdminPermissions()).isFalse();
    assertThat(
            eks.describeCluster(b -> b.name("gf"))
                .cluster()
                .accessConfig()
                .authenticationModeAsString())
        .isEqualTo("CONFIG_MAP");
    assertThatThrownBy(() -> eks.describeCluster(b -> b.name("nope")))
        .isInstanceOf(ResourceNotFoundException.class);
  }
}
