package dev.orchestra.functions.cluster;

import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.cluster.TrustPolicies;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/** The IAM side of a cluster: roles under {@code /orchestra/}, their policies, their trust. */
public final class ClusterIam {
  public static final String EKS_CLUSTER_POLICY = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy";
  public static final List<String> NODE_POLICIES =
      List.of(
          "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
          "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
          "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");

  private final Supplier<IamClient> iam;
  private final String boundaryArn;

  public ClusterIam(IamClient iam, String boundaryArn) {
    this(() -> iam, boundaryArn);
  }

  /** With the client built on first use (a step that makes no IAM call builds none). */
  public ClusterIam(Supplier<IamClient> iam, String boundaryArn) {
    this.iam = iam;
    this.boundaryArn = boundaryArn;
  }

  /** Creates a role, or finds it. Returns the ARN and whether this call created it. */
  public Created<String> createRole(
      String name, String trust, Map<String, String> tags, String description) {
    List<Tag> t = new ArrayList<>();
    tags.forEach((k, v) -> t.add(Tag.builder().key(k).value(v).build()));
    try {
      var b =
          software.amazon.awssdk.services.iam.model.CreateRoleRequest.builder()
              .roleName(name)
              .path(ClusterNames.IAM_PATH)
              .assumeRolePolicyDocument(trust)
              .description(description)
              .tags(t);
      if (boundaryArn != null) {
        b.permissionsBoundary(boundaryArn);
      }
      return new Created<>(iam.get().createRole(b.build()).role().arn(), true);
    } catch (EntityAlreadyExistsException exists) {
      return new Created<>(iam.get().getRole(r -> r.roleName(name)).role().arn(), false);
    }
  }

  /** Attaching an attached policy is a no-op in IAM. */
  public void attach(String role, String policyArn) {
    iam.get().attachRolePolicy(b -> b.roleName(role).policyArn(policyArn));
  }

  public void detach(String role, String policyArn) {
    try {
      iam.get().detachRolePolicy(b -> b.roleName(role).policyArn(policyArn));
    } catch (NoSuchEntityException gone) {
      // not attached: done
    }
  }

  public void putInline(String role, String name, String document) {
    iam.get().putRolePolicy(b -> b.roleName(role).policyName(name).policyDocument(document));
  }

  /** Detaches and deletes everything on the role, then the role; a missing role is done. */
  public void deleteRole(String role) {
    try {
      iam.get()
          .listAttachedRolePoliciesPaginator(b -> b.roleName(role))
          .attachedPolicies()
          .forEach(p -> detach(role, p.policyArn()));
      iam.get()
          .listRolePoliciesPaginator(b -> b.roleName(role))
          .policyNames()
          .forEach(n -> iam.get().deleteRolePolicy(b -> b.roleName(role).policyName(n)));
      iam.get().deleteRole(b -> b.roleName(role));
    } catch (NoSuchEntityException gone) {
      // already deleted
    }
  }

  public Role role(String name) {
    try {
      return iam.get().getRole(b -> b.roleName(name)).role();
    } catch (NoSuchEntityException gone) {
      return null;
    }
  }

  /** The default version's document of a managed policy, or null when it does not exist. */
  public String policyDocument(String policyArn) {
    try {
      String version = iam.get().getPolicy(b -> b.policyArn(policyArn)).policy().defaultVersionId();
      String doc =
          iam.get()
              .getPolicyVersion(b -> b.policyArn(policyArn).versionId(version))
              .policyVersion()
              .document();
      return doc.trim().startsWith("{") ? doc : URLDecoder.decode(doc, StandardCharsets.UTF_8);
    } catch (NoSuchEntityException gone) {
      return null;
    }
  }

  /** The access role's trust edited with {@code edit}; written only when it changes. */
  public List<String> editTrust(String role, java.util.function.UnaryOperator<String> edit) {
    Role r = iam.get().getRole(b -> b.roleName(role)).role();
    String before = r.assumeRolePolicyDocument();
    String after = edit.apply(before);
    if (!TrustPolicies.principals(before).equals(TrustPolicies.principals(after))) {
      iam.get().updateAssumeRolePolicy(b -> b.roleName(role).policyDocument(after));
    }
    return TrustPolicies.principals(after);
  }

  /** A result and whether this call made it. */
  public record Created<T>(T value, boolean created) {}
}
