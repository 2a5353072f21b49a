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
 * roles only under the path {@value #PATH}, only with that boundary, and only to EKS. The cluster
 * steps that create, change or delete roles get {@link #adminPolicy()}; the steps that hand roles
 * to EKS get {@link #passPolicy()}.
 */
public final class RuntimeRoles extends Construct {
  public static final String PATH = "/orchestra/";

  /**
   * Every name a pool's resources carry starts with this (PoolAgent's work queue and role,
   * PoolResources' rule): {@code orchestra-pool-<pool>...}.
   */
  public static final String POOL_PREFIX = "orchestra-pool-";

  private final ManagedPolicy boundary;
  private final ManagedPolicy admin;
  private final ManagedPolicy pass;

  /**
   * Services runtime roles are passed to: EKS (cluster role on CreateCluster, node role on
   * CreateNodegroup) and EKS Pod Identity (reporter and autoscaler roles).
   */
  public static final List<String> PASSED_TO =
      List.of("eks.amazonaws.com", "pods.eks.amazonaws.com");

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
                        List.of("*")),
                    // What the reporter and cluster-autoscaler roles' inline policies grant
                    // (ClusterService), so the boundary does not cancel them.
                    allow(
                        "ReporterAndAutoscaler",
                        List.of(
                            "sqs:SendMessage",
                            "s3:PutObject",
                            "autoscaling:DescribeAutoScalingGroups",
                            "autoscaling:DescribeAutoScalingInstances",
                            "autoscaling:DescribeLaunchConfigurations",
                            "autoscaling:DescribeScalingActivities",
                            "autoscaling:DescribeTags",
                            "autoscaling:SetDesiredCapacity",
                            "autoscaling:TerminateInstanceInAutoScalingGroup",
                            "ec2:GetInstanceTypesFromInstanceRequirements"),
                        List.of("*")),
                    // What a pool's agents' inline policy grants beyond the reporter's (their
                    // own work queue; PoolResources): only on the pools' work queues.
                    allow(
                        "PoolAgents",
                        List.of(
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:ChangeMessageVisibility"),
                        List.of(
                            Fn.join(
                                "",
                                List.of(
                                    "arn:",
                                    Aws.PARTITION,
                                    ":sqs:",
                                    Aws.REGION,
                                    ":",
                                    Aws.ACCOUNT_ID,
                                    ":" + POOL_PREFIX + "*"))))))
            .build();
    String boundaryArn = boundary.getManagedPolicyArn();
    Map<String, Object> withBoundary =
        Map.of("StringEquals", Map.of("iam:PermissionsBoundary", boundaryArn));
    admin =
        ManagedPolicy.Builder.create(this, "Admin")
            .managedPolicyName(settings.environment() + "-runtime-role-admin")
            .description("Create, change and delete roles under " + PATH + " with the boundary")
            .statements(
                List.of(
                    // Every write names the boundary: a role without it cannot be created or
                    // given a policy, and the boundary caps whatever a policy allows.
                    PolicyStatement.Builder.create()
                        .sid("WriteWithBoundary")
                        .effect(Effect.ALLOW)
                        .actions(
                            List.of(
                                "iam:CreateRole",
                                "iam:TagRole",
                                "iam:AttachRolePolicy",
                                "iam:DetachRolePolicy",
                                "iam:PutRolePolicy",
                                "iam:DeleteRolePolicy"))
                        .resources(List.of(roles))
                        .conditions(withBoundary)
                        .build(),
                    allow(
                        "ReadAndDelete",
                        List.of(
                            "iam:GetRole",
                            "iam:ListAttachedRolePolicies",
                            "iam:ListRolePolicies",
                            "iam:DeleteRole"),
                        List.of(roles))))
            .build();
    pass =
        ManagedPolicy.Builder.create(this, "Pass")
            .managedPolicyName(settings.environment() + "-runtime-role-pass")
            .description("Read roles under " + PATH + " and pass them to EKS only")
            .statements(
                List.of(
                    allow("Read", List.of("iam:GetRole"), List.of(roles)),
                    PolicyStatement.Builder.create()
                        .sid("PassToEks")
                        .effect(Effect.ALLOW)
                        .actions(List.of("iam:PassRole"))
                        .resources(List.of(roles))
                        .conditions(
                            Map.of("StringEquals", Map.of("iam:PassedToService", PASSED_TO)))
                        .build()))
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
    CfnOutput.Builder.create(scope, "RuntimeRolePassPolicyArn")
        .value(pass.getManagedPolicyArn())
        .build();
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

  public ManagedPolicy passPolicy() {
    return pass;
  }
}
