package dev.orchestra.local.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/**
 * The AWS resources of a control plane, as the local runtime creates them in moto (through the AWS
 * APIs, idempotently, so a restarted runtime re-applies it harmlessly), plus the configuration its
 * handlers get and the SQS→handler event-source mappings the pollers stand in for.
 *
 * <p>State machine definitions are ASL templates: every {@code ${Name}} is replaced from {@link
 * #substitutions()} (plus {@code ${Region}} and {@code ${AccountId}}); a placeholder without a
 * value is an error naming it.
 */
public record ResourcePlan(
    List<CreateTableRequest> tables,
    List<Queue> queues,
    List<Bucket> buckets,
    List<StateMachine> stateMachines,
    List<EventSource> eventSources,
    Map<String, String> substitutions,
    Map<String, String> config,
    List<ManagedPolicy> policies) {

  public ResourcePlan(
      List<CreateTableRequest> tables,
      List<Queue> queues,
      List<Bucket> buckets,
      List<StateMachine> stateMachines,
      List<EventSource> eventSources,
      Map<String, String> substitutions,
      Map<String, String> config) {
    this(tables, queues, buckets, stateMachines, eventSources, substitutions, config, List.of());
  }

  /**
   * A customer-managed IAM policy (e.g. the permissions boundary the stack would create).
   *
   * @param path IAM path, e.g. {@code /orchestra/}
   */
  public record ManagedPolicy(String name, String path, String document) {}

  public ResourcePlan {
    policies = List.copyOf(policies);
    tables = List.copyOf(tables);
    queues = List.copyOf(queues);
    buckets = List.copyOf(buckets);
    stateMachines = List.copyOf(stateMachines);
    eventSources = List.copyOf(eventSources);
    substitutions = Map.copyOf(substitutions);
    config = Map.copyOf(config);
  }

  public static final ResourcePlan EMPTY = builder().build();

  /**
   * An SQS queue.
   *
   * @param attributes SQS attribute name → value (e.g. {@code VisibilityTimeout} → {@code "30"})
   */
  public record Queue(String name, Map<String, String> attributes) {}

  /** An S3 bucket and its notifications to SQS. */
  public record Bucket(String name, List<Notification> notifications) {}

  /**
   * An S3 → SQS notification ({@code PutBucketNotificationConfiguration}).
   *
   * @param events e.g. {@code s3:ObjectCreated:*}
   * @param prefix key prefix filter, or null
   * @param suffix key suffix filter, or null
   */
  public record Notification(String queueName, List<String> events, String prefix, String suffix) {}

  /** A Standard state machine from an ASL template. */
  public record StateMachine(String name, String definitionTemplate) {}

  /**
   * An SQS → function mapping (Lambda's event-source mapping): a poller long-polls the queue and
   * calls the function with an {@code SQSEvent}, honouring {@code batchItemFailures}.
   *
   * @param concurrency how many batches may be in the function at once
   */
  public record EventSource(
      String queueName, String functionName, int batchSize, int concurrency) {}

  public static Builder builder() {
    return new Builder();
  }

  /** Collects a plan. */
  public static final class Builder {
    private final List<CreateTableRequest> tables = new ArrayList<>();
    private final List<Queue> queues = new ArrayList<>();
    private final List<Bucket> buckets = new ArrayList<>();
    private final List<StateMachine> stateMachines = new ArrayList<>();
    private final List<EventSource> eventSources = new ArrayList<>();
    private final Map<String, String> substitutions = new LinkedHashMap<>();
    private final Map<String, String> config = new LinkedHashMap<>();
    private final List<ManagedPolicy> policies = new ArrayList<>();

    public Builder policy(String name, String path, String document) {
      policies.add(new ManagedPolicy(name, path, document));
      return this;
    }

    public Builder table(CreateTableRequest table) {
      tables.add(table);
      return this;
    }

    public Builder queue(String name, Map<String, String> attributes) {
      queues.add(new Queue(name, attributes));
      return this;
    }

    public Builder bucket(String name, Notification... notifications) {
      buckets.add(new Bucket(name, List.of(notifications)));
      return this;
    }

    public Builder stateMachine(String name, String definitionTemplate) {
      stateMachines.add(new StateMachine(name, definitionTemplate));
      return this;
    }

    public Builder eventSource(
        String queueName, String functionName, int batchSize, int concurrency) {
      eventSources.add(new EventSource(queueName, functionName, batchSize, concurrency));
      return this;
    }

    public Builder substitution(String placeholder, String value) {
      substitutions.put(placeholder, value);
      return this;
    }

    public Builder config(String name, String value) {
      config.put(name, value);
      return this;
    }

    public ResourcePlan build() {
      return new ResourcePlan(
          tables, queues, buckets, stateMachines, eventSources, substitutions, config, policies);
    }
  }
}
