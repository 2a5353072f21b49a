package dev.orchestra.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.constructs.Construct;

/**
 * Roles the control plane creates at run time (EKS cluster and node roles): a permissions boundary
 * every such role must carry, and the policy that lets a function create, tag, attach and pass
 * roles only under the path {@value #PATH}, only with that boundary, and only to EKS and EC2.
 * Functions that manage clusters get {@link #adminPolicy()}.
 */
public final class RuntimeRoles extends Construct {
  public static final String PATH = "/orchestra/";

  /** AWS managed policies a runtime role may get: what EKS clusters and nodes need. */
  public static final List<String> ATTACHABLE =
      List.of(
          "AmazonEKSClusterPolicy",
          "AmazonEKSWorkerNodePolicy",
          "AmazonEKS_CNI_Policy",
          "AmazonEC2ContainerRegistryReadOnly");

  private final ManagedPolicy boundary;
  private final ManagedPolicy admin;

  public RuntimeRoles(Construct scope, String id, Settings settings) {
    super(scope, id);
    String roles = arn("iam", "", "role" + PATH + "*");
    boundary =
        ManagedPolicy.Builder.create(this, "Boundary")
            .managedPolicyName(settings.environment() + "-runtime-role-boundary")
            .description("The most any role Orchestra creates at run time may do")
            .statements(
                List.of(
                    allow(
                        "ClusterAndNodes",
                        List.of(
                            "eks:Describe*",
                            "eks:List*",
                            "ec2:Describe*",
                            "ec2:CreateNetworkInterface",
                            "ec2:DeleteNetworkInterface",
                            "ec2:CreateNetworkInterfacePermission",
                            "ec2:AssignPrivateIpAddresses",
                            "ec2:UnassignPrivateIpAddresses",
                            "ec2:AttachNetworkInterface",
                            "ec2:DetachNetworkInterface",
                            "ec2:ModifyNetworkInterfaceAttribute",
                            "ec2:CreateTags",
                            "ecr:GetAuthorizationToken",
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer",
                            "elasticloadbalancing:Describe*",
                            "logs:CreateLogStream",
                            "logs:PutLogEvents"),
                        List.of("*"))))
            .build();
    String boundaryArn = boundary.getManagedPolicyArn();
    List<String> attachable =
        ATTACHABLE.stream().map(p -> arn("iam", "aws", "policy/" + p)).toList();
    admin =
        ManagedPolicy.Builder.create(this, "Admin")
            .managedPolicyName(settings.environment() + "-runtime-role-admin")
            .description("Create, attach and pass roles under " + PATH + " with the boundary")
            .statements(
                List.of(
                    PolicyStatement.Builder.create()
                        .sid("CreateWithBoundary")
                        .effect(Effect.ALLOW)
                        .actions(List.of("iam:CreateRole", "iam:TagRole"))
                        .resources(List.of(roles))
                        .conditions(
                            Map.of("StringEquals", Map.of("iam:PermissionsBoundary", boundaryArn)))
                        .build(),
                    PolicyStatement.Builder.create()
                        .sid("AttachKnownPolicies")
                        .effect(Effect.ALLOW)
                        .actions(List.of("iam:AttachRolePolicy", "iam:DetachRolePolicy"))
                        .resources(List.of(roles))
                        .conditions(Map.of("ArnEquals", Map.of("iam:PolicyARN", attachable)))
                        .build(),
                    PolicyStatement.Builder.create()
                        .sid("PassToEksAndEc2")
                        .effect(Effect.ALLOW)
                        .actions(List.of("iam:PassRole"))
                        .resources(List.of(roles))
                        .conditions(
                            Map.of(
                                "StringEquals",
                                Map.of(
                                    "iam:PassedToService",
                                    List.of("eks.amazonaws.com", "ec2.amazonaws.com"))))
                        .build(),
                    allow(
                        "ReadAndDelete",
                        List.of("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:DeleteRole"),
                        List.of(roles))))
            .build();
    String reason =
        "Runtime roles have names chosen at run time under "
            + PATH
            + " (role/orchestra/*), constrained by the boundary condition; the boundary itself"
            + " lists only EKS/EC2/ECR/log actions whose resources are created at run time.";
    NagSuppressions.addResourceSuppressions(
        this,
        List.of(NagPackSuppression.builder().id("AwsSolutions-IAM5").reason(reason).build()),
        true);
    CfnOutput.Builder.create(scope, "RuntimeRoleBoundaryArn").value(boundaryArn).build();
    CfnOutput.Builder.create(scope, "RuntimeRoleAdminPolicyArn")
        .value(admin.getManagedPolicyArn())
        .build();
  }

  private static String arn(String service, String account, String resource) {
    return Fn.join(
        "",
        List.of(
            "arn:",
            Aws.PARTITION,
            ":" + service + "::",
            account.isEmpty() ? Aws.ACCOUNT_ID : account,
            ":" + resource));
  }

  private static PolicyStatement allow(String sid, List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .effect(Effect.ALLOW)
        .actions(actions)
        .resources(resources)
        .build();
  }

  public ManagedPolicy boundary() {
    return boundary;
  }

  public ManagedPolicy adminPolicy() {
    return admin;
  }
}
