package dev.orchestra.functions.pool;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.cluster.ClusterIam;
import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.PoolAgent;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.InstanceProfile;
import software.amazon.awssdk.services.iam.model.LimitExceededException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The AWS resources of one pool, all under deterministic names so a repeated call finds what an
 * earlier (perhaps interrupted) one made: the SQS work queue, the agents' role and instance profile
 * under {@code /orchestra/} (with the stack's permissions boundary) and its inline policy, and the
 * EventBridge schedule that fires the scaling tick. {@link #ensure} and {@link #remove} are
 * idempotent.
 */
public final class PoolResources {
  /** The agents' inline policy on their role. */
  public static final String AGENT_POLICY = "orchestra-agent";

  /** The schedule's one target. */
  public static final String TARGET_ID = "tick";

  /** The work queue's visibility timeout before time scaling. */
  public static final int VISIBILITY_SECONDS = 600;

  private static final String EC2_TRUST =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
          + "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

  /**
   * What the resources need from the deployment.
   *
   * @param resultsQueueUrl the queue agents send to
   * @param bucket where agents write run outputs ({@code runs/})
   * @param boundaryArn the permissions boundary of the role, or null
   * @param tickFunctionArn the function the schedule invokes
   * @param timeScale the time scale (the work queue's visibility timeout)
   */
  public record Settings(
      String region,
      String resultsQueueUrl,
      String bucket,
      String boundaryArn,
      String tickFunctionArn,
      double timeScale) {}

  /** What {@link #ensure} made or found. */
  public record Made(String workQueueUrl, String instanceProfileArn) {}

  private final Supplier<SqsClient> sqs;
  private final Supplier<IamClient> iam;
  private final Supplier<EventBridgeClient> events;
  private final Settings settings;

  public PoolResources(
      Supplier<SqsClient> sqs,
      Supplier<IamClient> iam,
      Supplier<EventBridgeClient> events,
      Settings settings) {
    this.sqs = sqs;
    this.iam = iam;
    this.events = events;
    this.settings = settings;
  }

  /** EventBridge rule {@code orchestra-pool-<pool>-tick}. */
  public static String ruleName(String pool) {
    return "orchestra-pool-" + pool + "-tick";
  }

  /** Makes (or finds) every resource of the pool. */
  public Made ensure(PoolConfig pool) {
    String name = pool.poolName();
    String queueUrl = workQueue(name);
    String queueArn =
        sqs.get()
            .getQueueAttributes(
                b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String[] arn = queueArn.split(":");
    String partition = arn[1];
    String account = arn[4];
    String role = PoolAgent.instanceRoleName(name);
    ClusterIam roles = new ClusterIam(iam, settings.boundaryArn());
    roles.createRole(
        role,
        EC2_TRUST,
        Map.of(PoolConfig.OWNERSHIP_TAG, name),
        "Orchestra pool " + name + ": its agents' instance role");
    roles.putInline(role, AGENT_POLICY, agentPolicy(partition, account, queueArn));
    String profileArn = instanceProfile(name, role);
    schedule(name, partition, account);
    return new Made(queueUrl, profileArn);
  }

  /** Removes the schedule, the work queue, the instance profile and the role; absent ones too. */
  public void remove(String pool) {
    String rule = ruleName(pool);
    try {
      events.get().removeTargets(b -> b.rule(rule).ids(TARGET_ID));
    } catch (software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException gone) {
      // no rule
    }
    try {
      events.get().deleteRule(b -> b.name(rule));
    } catch (software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException gone) {
      // no rule
    }
    try {
      String url =
          sqs.get().getQueueUrl(b -> b.queueName(PoolAgent.workQueueName(pool))).queueUrl();
      sqs.get().deleteQueue(b -> b.queueUrl(url));
    } catch (QueueDoesNotExistException gone) {
      // no queue
    }
    String role = PoolAgent.instanceRoleName(pool);
    try {
      InstanceProfile p =
          iam.get().getInstanceProfile(b -> b.instanceProfileName(role)).instanceProfile();
      for (var r : p.roles()) {
        iam.get()
            .removeRoleFromInstanceProfile(b -> b.instanceProfileName(role).roleName(r.roleName()));
      }
      iam.get().deleteInstanceProfile(b -> b.instanceProfileName(role));
    } catch (NoSuchEntityException gone) {
      // no profile
    }
    new ClusterIam(iam, settings.boundaryArn()).deleteRole(role);
  }

  /** The work queue's URL, creating the queue when there is none. */
  String workQueue(String pool) {
    String name = PoolAgent.workQueueName(pool);
    int visibility = Math.max(1, (int) Math.round(VISIBILITY_SECONDS * settings.timeScale()));
    try {
      return sqs.get()
          .createQueue(
              b ->
                  b.queueName(name)
                      .attributes(
                          Map.of(
                              QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibility)))
                      .tags(Map.of(PoolConfig.OWNERSHIP_TAG, pool)))
          .queueUrl();
    } catch (software.amazon.awssdk.services.sqs.model.QueueNameExistsException differs) {
      // made with other attributes (another time scale): it is still the pool's queue
      return sqs.get().getQueueUrl(b -> b.queueName(name)).queueUrl();
    }
  }

  private String instanceProfile(String pool, String role) {
    InstanceProfile p;
    try {
      p =
          iam.get()
              .createInstanceProfile(
                  b ->
                      b.instanceProfileName(role)
                          .path(ClusterNames.IAM_PATH)
                          .tags(t -> t.key(PoolConfig.OWNERSHIP_TAG).value(pool)))
              .instanceProfile();
    } catch (EntityAlreadyExistsException exists) {
      p = iam.get().getInstanceProfile(b -> b.instanceProfileName(role)).instanceProfile();
    }
    if (p.roles().stream().noneMatch(r -> r.roleName().equals(role))) {
      try {
        iam.get().addRoleToInstanceProfile(b -> b.instanceProfileName(role).roleName(role));
      } catch (LimitExceededException alreadyHasOne) {
        // a profile holds one role: added by an earlier call
      }
    }
    return p.arn();
  }

  private void schedule(String pool, String partition, String account) {
    String rule = ruleName(pool);
    String target =
        settings.tickFunctionArn() != null
            ? settings.tickFunctionArn()
            : "arn:"
                + partition
                + ":lambda:"
                + settings.region()
                + ":"
                + account
                + ":function:"
                + dev.orchestra.functions.FunctionCatalog.POOL_TICK;
    events
        .get()
        .putRule(
            b ->
                b.name(rule)
                    .scheduleExpression("rate(1 minute)")
                    .description("Orchestra pool " + pool + ": scaling and reaping tick")
                    .tags(t -> t.key(PoolConfig.OWNERSHIP_TAG).value(pool)));
    events
        .get()
        .putTargets(
            b ->
                b.rule(rule)
                    .targets(
                        t -> t.id(TARGET_ID).arn(target).input(Json.write(Map.of("pool", pool)))));
  }

  /**
   * The agents' policy: take items from their own work queue, send to the results queue, write run
   * outputs under {@code runs/}, pull images from the account's ECR repositories.
   */
  String agentPolicy(String partition, String account, String workQueueArn) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("Version", "2012-10-17");
    doc.put(
        "Statement",
        List.of(
            statement(
                "WorkQueue",
                List.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"),
                workQueueArn),
            statement(
                "Results",
                List.of("sqs:SendMessage"),
                queueArn(partition, settings.resultsQueueUrl())),
            statement(
                "RunOutputs",
                List.of("s3:PutObject"),
                "arn:" + partition + ":s3:::" + settings.bucket() + "/runs/*"),
            statement("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
            statement(
                "EcrPull",
                List.of(
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability"),
                "arn:"
                    + partition
                    + ":ecr:"
                    + settings.region()
                    + ":"
                    + account
                    + ":repository/*")));
    return Json.write(doc);
  }

  private static Map<String, Object> statement(String sid, List<String> actions, String resource) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("Sid", sid);
    s.put("Effect", "Allow");
    s.put("Action", actions);
    s.put("Resource", resource);
    return s;
  }

  /** {@code https://sqs.<region>.amazonaws.com/<account>/<name>} (or a local URL) as an ARN. */
  private String queueArn(String partition, String url) {
    String[] path = URI.create(url).getPath().split("/");
    if (path.length < 3) {
      throw new IllegalStateException(
          "the results queue URL "
              + url
              + " has no /ACCOUNT/NAME path; the stack sets it on deploy");
    }
    return "arn:"
        + partition
        + ":sqs:"
        + settings.region()
        + ":"
        + path[path.length - 2]
        + ":"
        + path[path.length - 1];
  }
}
