package dev.orchestra.cdk;

import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.functions.pool.PoolStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.constructs.Construct;

/**
 * What holds data: the bucket (experiment drops, run outputs, reports) with its S3 → intake-queue
 * notification, the intake and results queues with their dead-letter queues and alarms, and the
 * experiments, clusters and pools tables. Bucket and tables are retained when the stack is deleted.
 */
public final class DataStack extends Stack {
  /** S3 event notifications: experiment files under this prefix with this suffix. */
  public static final String DROP_PREFIX = "experiments/";

  public static final String DROP_SUFFIX = "/experiment.yml";

  /** Each consumer's visibility timeout is this many times the consumer's function timeout. */
  public static final int VISIBILITY_FACTOR = 6;

  private final Bucket bucket;
  private final Queue intakeQueue;
  private final Queue resultsQueue;
  private final Table table;
  private final Table clusterTable;
  private final Table poolTable;

  public DataStack(Construct scope, String id, StackProps props, Settings settings) {
    super(scope, id, props);
    String bucketName = Fn.join("-", List.of(settings.environment(), Aws.ACCOUNT_ID, Aws.REGION));

    intakeQueue = queueWithDlq("Intake", settings, dev.orchestra.functions.FunctionCatalog.INTAKE);
    resultsQueue =
        queueWithDlq("Results", settings, dev.orchestra.functions.FunctionCatalog.RESULTS);

    // S3 may send to the intake queue, only for this account's bucket of this name.
    intakeQueue.addToResourcePolicy(
        PolicyStatement.Builder.create()
            .sid("S3ExperimentDrops")
            .effect(Effect.ALLOW)
            .principals(List.of(new ServicePrincipal("s3.amazonaws.com")))
            .actions(List.of("sqs:SendMessage"))
            .resources(List.of(intakeQueue.getQueueArn()))
            .conditions(
                Map.of(
                    "ArnLike",
                    Map.of(
                        "aws:SourceArn",
                        Fn.join("", List.of("arn:", Aws.PARTITION, ":s3:::", bucketName))),
                    "StringEquals",
                    Map.of("aws:SourceAccount", Aws.ACCOUNT_ID)))
            .build());

    bucket =
        Bucket.Builder.create(this, "Bucket")
            .bucketName(bucketName)
            .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
            .enforceSsl(true)
            .encryption(BucketEncryption.S3_MANAGED)
            .versioned(true)
            .removalPolicy(RemovalPolicy.RETAIN)
            .build();
    // The bucket's own NotificationConfiguration (no custom resource); S3 checks the queue policy
    // when the bucket is created, so the policy comes first.
    CfnBucket cfnBucket = (CfnBucket) bucket.getNode().getDefaultChild();
    cfnBucket.setNotificationConfiguration(
        CfnBucket.NotificationConfigurationProperty.builder()
            .queueConfigurations(
                List.of(
                    CfnBucket.QueueConfigurationProperty.builder()
                        .event("s3:ObjectCreated:*")
                        .queue(intakeQueue.getQueueArn())
                        .filter(
                            CfnBucket.NotificationFilterProperty.builder()
                                .s3Key(
                                    CfnBucket.S3KeyFilterProperty.builder()
                                        .rules(
                                            List.of(
                                                CfnBucket.FilterRuleProperty.builder()
                                                    .name("prefix")
                                                    .value(DROP_PREFIX)
                                                    .build(),
                                                CfnBucket.FilterRuleProperty.builder()
                                                    .name("suffix")
                                                    .value(DROP_SUFFIX)
                                                    .build()))
                                        .build())
                                .build())
                        .build()))
            .build());
    cfnBucket.getNode().addDependency(intakeQueue);
    NagSuppressions.addResourceSuppressions(
        bucket,
        List.of(
            NagPackSuppression.builder()
                .id("AwsSolutions-S1")
                .reason(
                    "Objects are written only by the account's own signed requests; server access"
                        + " logs would need a second bucket and cost while idle. CloudTrail data"
                        + " events are the audit trail where one is wanted.")
                .build()));

    CreateTableRequest schema =
        DynamoDbExperimentStore.tableRequest(settings.physicalName("orchestra-experiments"));
    table =
        Table.Builder.create(this, "Experiments")
            .tableName(schema.tableName())
            .partitionKey(key(schema, KeyType.HASH))
            .sortKey(key(schema, KeyType.RANGE))
            .billingMode(BillingMode.PAY_PER_REQUEST)
            .encryption(TableEncryption.AWS_MANAGED)
            .pointInTimeRecoverySpecification(
                PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
            .removalPolicy(RemovalPolicy.RETAIN)
            .build();

    CreateTableRequest clusterSchema =
        ClusterStore.tableRequest(settings.physicalName("orchestra-clusters"));
    clusterTable =
        Table.Builder.create(this, "Clusters")
            .tableName(clusterSchema.tableName())
            .partitionKey(key(clusterSchema, KeyType.HASH))
            .billingMode(BillingMode.PAY_PER_REQUEST)
            .encryption(TableEncryption.AWS_MANAGED)
            .pointInTimeRecoverySpecification(
                PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
            .removalPolicy(RemovalPolicy.RETAIN)
            .build();

    // EC2 pools: records, agents' last reports and terminated marks (which expire by TTL).
    CreateTableRequest poolSchema =
        PoolStore.tableRequest(settings.physicalName("orchestra-pools"));
    poolTable =
        Table.Builder.create(this, "Pools")
            .tableName(poolSchema.tableName())
            .partitionKey(key(poolSchema, KeyType.HASH))
            .sortKey(key(poolSchema, KeyType.RANGE))
            .timeToLiveAttribute(PoolStore.TTL_ATTRIBUTE)
            .billingMode(BillingMode.PAY_PER_REQUEST)
            .encryption(TableEncryption.AWS_MANAGED)
            .pointInTimeRecoverySpecification(
                PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
            .removalPolicy(RemovalPolicy.RETAIN)
            .build();

    CfnOutput.Builder.create(this, "BucketName").value(bucket.getBucketName()).build();
    CfnOutput.Builder.create(this, "TableName").value(table.getTableName()).build();
    CfnOutput.Builder.create(this, "ClusterTableName").value(clusterTable.getTableName()).build();
    CfnOutput.Builder.create(this, "PoolTableName").value(poolTable.getTableName()).build();
    CfnOutput.Builder.create(this, "ResultsQueueUrl").value(resultsQueue.getQueueUrl()).build();
  }

  private Queue queueWithDlq(String id, Settings settings, String consumer) {
    String name = settings.physicalName(consumer);
    Queue dlq =
        Queue.Builder.create(this, id + "Dlq")
            .queueName(name + "-dlq")
            .encryption(QueueEncryption.SQS_MANAGED)
            .enforceSsl(true)
            .retentionPeriod(Duration.days(14))
            .build();
    Alarm.Builder.create(this, id + "DlqAlarm")
        .alarmName(name + "-dlq-not-empty")
        .alarmDescription(
            "Messages reached "
                + name
                + "-dlq: the consumer failed them repeatedly; inspect and"
                + " redrive")
        .metric(
            dlq.metricApproximateNumberOfMessagesVisible()
                .with(
                    software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                        .period(Duration.minutes(5))
                        .build()))
        .threshold(1)
        .evaluationPeriods(1)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    int timeout = FunctionSpecs.of(consumer).timeoutSeconds();
    return Queue.Builder.create(this, id + "Queue")
        .queueName(name)
        .encryption(QueueEncryption.SQS_MANAGED)
        .enforceSsl(true)
        .visibilityTimeout(Duration.seconds(VISIBILITY_FACTOR * timeout))
        .deadLetterQueue(DeadLetterQueue.builder().queue(dlq).maxReceiveCount(5).build())
        .build();
  }

  private static Attribute key(CreateTableRequest schema, KeyType type) {
    String name =
        schema.keySchema().stream()
            .filter(k -> k.keyType() == type)
            .findFirst()
            .orElseThrow()
            .attributeName();
    String kind =
        schema.attributeDefinitions().stream()
            .filter(a -> a.attributeName().equals(name))
            .findFirst()
            .orElseThrow()
            .attributeTypeAsString();
    return Attribute.builder()
        .name(name)
        .type(
            switch (kind) {
              case "S" -> AttributeType.STRING;
              case "N" -> AttributeType.NUMBER;
              default -> AttributeType.BINARY;
            })
        .build();
  }

  public Bucket bucket() {
    return bucket;
  }

  public Queue intakeQueue() {
    return intakeQueue;
  }

  public Queue resultsQueue() {
    return resultsQueue;
  }

  public Table table() {
    return table;
  }

  public Table clusterTable() {
    return clusterTable;
  }

  public Table poolTable() {
    return poolTable;
  }
}
