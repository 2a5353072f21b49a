package dev.orchestra.local.plan;

import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.shared.AslTemplates;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.FilterRule;
import software.amazon.awssdk.services.s3.model.QueueConfiguration;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.StateMachineAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates a {@link ResourcePlan}'s resources through the AWS APIs, create-if-absent: applying the
 * same plan again (a restarted runtime against a moto that kept its state) changes nothing except
 * state machine definitions, which are updated to the plan's.
 */
public final class PlanApplier {
  private static final Logger LOG = LoggerFactory.getLogger(PlanApplier.class);

  private final LocalEnvironment env;
  private final DynamoDbClient dynamo;
  private final SqsClient sqs;
  private final S3Client s3;
  private final SfnClient sfn;
  private final software.amazon.awssdk.services.iam.IamClient iam;

  public PlanApplier(
      LocalEnvironment env, DynamoDbClient dynamo, SqsClient sqs, S3Client s3, SfnClient sfn) {
    this(env, dynamo, sqs, s3, sfn, null);
  }

  /** With IAM, for plans that declare managed policies. */
  public PlanApplier(
      LocalEnvironment env,
      DynamoDbClient dynamo,
      SqsClient sqs,
      S3Client s3,
      SfnClient sfn,
      software.amazon.awssdk.services.iam.IamClient iam) {
    this.iam = iam;
    this.env = env;
    this.dynamo = dynamo;
    this.sqs = sqs;
    this.s3 = s3;
    this.sfn = sfn;
  }

  public void apply(ResourcePlan plan) {
    for (ResourcePlan.ManagedPolicy p : plan.policies()) {
      if (iam == null) {
        throw new IllegalStateException(
            "the plan declares IAM policies but no IAM client was given");
      }
      try {
        iam.createPolicy(b -> b.policyName(p.name()).path(p.path()).policyDocument(p.document()));
      } catch (software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException exists) {
        LOG.debug("policy {} exists", p.name());
      }
    }
    plan.tables()
        .forEach(
            t -> {
              try {
                dynamo.createTable(t);
              } catch (ResourceInUseException exists) {
                LOG.debug("table {} exists", t.tableName());
              }
            });
    for (ResourcePlan.Queue q : plan.queues()) {
      Map<QueueAttributeName, String> attributes = new HashMap<>();
      q.attributes().forEach((k, v) -> attributes.put(QueueAttributeName.fromValue(k), v));
      try {
        sqs.createQueue(b -> b.queueName(q.name()).attributes(attributes));
      } catch (QueueNameExistsException exists) {
        sqs.setQueueAttributes(b -> b.queueUrl(env.queueUrl(q.name())).attributes(attributes));
      }
    }
    for (ResourcePlan.Bucket bucket : plan.buckets()) {
      try {
        s3.createBucket(b -> b.bucket(bucket.name()));
      } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException exists) {
        LOG.debug("bucket {} exists", bucket.name());
      }
      if (!bucket.notifications().isEmpty()) {
        List<QueueConfiguration> queues = new ArrayList<>();
        for (ResourcePlan.Notification n : bucket.notifications()) {
          List<FilterRule> rules = new ArrayList<>();
          if (n.prefix() != null) {
            rules.add(FilterRule.builder().name("prefix").value(n.prefix()).build());
          }
          if (n.suffix() != null) {
            rules.add(FilterRule.builder().name("suffix").value(n.suffix()).build());
          }
          QueueConfiguration.Builder qc =
              QueueConfiguration.builder()
                  .queueArn(env.queueArn(n.queueName()))
                  .eventsWithStrings(n.events());
          if (!rules.isEmpty()) {
            qc.filter(f -> f.key(k -> k.filterRules(rules)));
          }
          queues.add(qc.build());
        }
        s3.putBucketNotificationConfiguration(
            b ->
                b.bucket(bucket.name())
                    .notificationConfiguration(c -> c.queueConfigurations(queues)));
      }
    }
    Map<String, String> values = new HashMap<>(plan.substitutions());
    values.putIfAbsent("Region", env.region());
    values.putIfAbsent("AccountId", env.accountId());
    for (ResourcePlan.StateMachine sm : plan.stateMachines()) {
      String definition =
          AslTemplates.substitute(
              "state machine " + sm.name(),
              sm.definitionTemplate(),
              values,
              "add them to the resource plan's substitutions");
      try {
        sfn.createStateMachine(
            b ->
                b.name(sm.name())
                    .definition(definition)
                    .roleArn(env.stateMachineRoleArn())
                    .type(StateMachineType.STANDARD));
      } catch (StateMachineAlreadyExistsException exists) {
        sfn.updateStateMachine(
            b -> b.stateMachineArn(env.stateMachineArn(sm.name())).definition(definition));
      }
    }
    LOG.info(
        "resources ready: {} tables, {} queues, {} buckets, {} state machines",
        plan.tables().size(),
        plan.queues().size(),
        plan.buckets().size(),
        plan.stateMachines().size());
  }
}
