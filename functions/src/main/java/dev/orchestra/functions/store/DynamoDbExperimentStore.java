package dev.orchestra.functions.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.orchestra.functions.Json;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.experiment.ExperimentStatus;
import dev.orchestra.shared.experiment.RunStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Experiments and their runs in one DynamoDB table, one partition per experiment ({@code pk =
 * E#<id>}; the experiment at {@code sk = E}, each run at {@code sk = R#<run id>}).
 *
 * <p>The invariants hold at every instant because every change to them is a conditional write:
 * issuing a run is one transaction that creates the run item and raises {@code issued} and {@code
 * running} only while {@code issued < budget} and {@code running < parallel_bandwidth}; finishing a
 * run is one transaction that moves the run to its final status (only from its current attempt)
 * and, in the same write, lowers {@code running} and optionally issues the next run, so an
 * observation is written once and the slot is handed over without a gap or an overlap.
 */
public final class DynamoDbExperimentStore {
  private static final String PK = "pk";
  private static final String SK = "sk";
  private static final String EXP_SK = "E";

  private final DynamoDbClient dynamo;
  private final String table;

  public DynamoDbExperimentStore(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Creates the table if absent (the local runtime and tests; CDK declares the same schema). */
  public static void createTable(DynamoDbClient dynamo, String table) {
    try {
      dynamo.createTable(tableRequest(table));
    } catch (ResourceInUseException alreadyThere) {
      // idempotent
    }
  }

  /** The table's schema. */
  public static CreateTableRequest tableRequest(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(
            AttributeDefinition.builder()
                .attributeName(PK)
                .attributeType(ScalarAttributeType.S)
                .build(),
            AttributeDefinition.builder()
                .attributeName(SK)
                .attributeType(ScalarAttributeType.S)
                .build())
        .keySchema(
            KeySchemaElement.builder().attributeName(PK).keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName(SK).keyType(KeyType.RANGE).build())
        .build();
  }

  // ---- experiments

  /** Stores a new experiment; false when one with this id exists already. */
  public boolean createExperiment(ExperimentRecord e) {
    Map<String, AttributeValue> item = new HashMap<>(expKey(e.id()));
    item.put("id", s(e.id()));
    item.put("name", s(e.name()));
    item.put("status", s(e.status().wire()));
    putIfPresent(item, "bucket", e.bucket());
    putIfPresent(item, "statusKey", e.statusKey());
    item.put("plan", s(Json.write(e.plan())));
    item.put("issued", n(0));
    item.put("running", n(0));
    item.put("succeeded", n(0));
    item.put("failed", n(0));
    item.put("stopped", AttributeValue.fromBool(false));
    item.put("optVersion", n(0));
    // The limits the conditions compare against, copied out of the plan.
    item.put("budget", n(e.plan().budget()));
    item.put("bw", n(e.plan().parallelBandwidth()));
    item.put("maxFailed", n(e.plan().maxFailedRuns()));
    putIfPresent(item, "createdAt", e.createdAt());
    try {
      dynamo.putItem(
          b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException exists) {
      return false;
    }
  }

  public Optional<ExperimentRecord> experiment(String id) {
    Map<String, AttributeValue> item =
        dynamo.getItem(b -> b.tableName(table).key(expKey(id)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toExperiment(item));
  }

  /** pending → running; true when this call or an earlier one made it running. */
  public boolean markRunning(String id) {
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(expKey(id))
                  .updateExpression("SET #s = :running")
                  .conditionExpression("attribute_exists(pk) AND #s IN (:pending, :running)")
                  .expressionAttributeNames(Map.of("#s", "status"))
                  .expressionAttributeValues(
                      Map.of(
                          ":running", s(ExperimentStatus.RUNNING.wire()),
                          ":pending", s(ExperimentStatus.PENDING.wire()))));
      return true;
    } catch (ConditionalCheckFailedException notPending) {
      return false;
    }
  }

  /** Stores the WaitUntilDone token, returning the experiment as it is after the write. */
  public ExperimentRecord storeExperimentToken(String id, String token) {
    Map<String, AttributeValue> item =
        dynamo
            .updateItem(
                b ->
                    b.tableName(table)
                        .key(expKey(id))
                        .updateExpression("SET #t = :t")
                        .conditionExpression("attribute_exists(pk)")
                        .expressionAttributeNames(Map.of("#t", "token"))
                        .expressionAttributeValues(Map.of(":t", s(token)))
                        .returnValues(ReturnValue.ALL_NEW))
            .attributes();
    return toExperiment(item);
  }

  /** Sets the stop flag: no more runs are issued. */
  public void requestStop(String id) {
    dynamo.updateItem(
        b ->
            b.tableName(table)
                .key(expKey(id))
                .updateExpression("SET stopped = :t")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true))));
  }

  /** Final status, best list and error; idempotent. */
  public void finish(String id, ExperimentStatus status, String bestJson, String error) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":s", s(status.wire()));
    StringBuilder set = new StringBuilder("SET #s = :s");
    if (status.isFinal()) {
      values.put(":fin", s(java.time.Instant.now().toString()));
      set.append(", finishedAt = if_not_exists(finishedAt, :fin)");
    }
    if (bestJson != null) {
      values.put(":b", s(bestJson));
      set.append(", best = :b");
    }
    if (error != null) {
      values.put(":e", s(error));
      set.append(", #err = :e");
    }
    Map<String, String> names = new HashMap<>(Map.of("#s", "status"));
    if (error != null) {
      names.put("#err", "error");
    }
    dynamo.updateItem(
        b ->
            b.tableName(table)
                .key(expKey(id))
                .updateExpression(set.toString())
                .expressionAttributeNames(names)
                .expressionAttributeValues(values));
  }

  /** Marks an experiment rejected (it never ran). */
  public void reject(String id, String error) {
    finish(id, ExperimentStatus.REJECTED, null, error);
  }

  /**
   * run.yml's aws credentials, kept apart from the spec and the record (which are redacted) in an
   * item only Dispatch reads, to create the run's Kubernetes Secret. DynamoDB encrypts it at rest.
   */
  public void putCredentials(String experimentId, String accessKeyId, String secretAccessKey) {
    dynamo.putItem(
        b ->
            b.tableName(table)
                .item(
                    Map.of(
                        PK,
                        s("E#" + experimentId),
                        SK,
                        s("C"),
                        "accessKeyId",
                        s(accessKeyId),
                        "secretAccessKey",
                        s(secretAccessKey))));
  }

  public Optional<dev.orchestra.shared.run.RunCredentials> credentials(String experimentId) {
    Map<String, AttributeValue> item =
        dynamo
            .getItem(
                b ->
                    b.tableName(table)
                        .key(Map.of(PK, s("E#" + experimentId), SK, s("C")))
                        .consistentRead(true))
            .item();
    if (item == null || item.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new dev.orchestra.shared.run.RunCredentials(
            item.get("accessKeyId").s(), item.get("secretAccessKey").s()));
  }

  // ---- runs

  public List<RunRecord> runs(String experimentId) {
    List<RunRecord> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page =
          dynamo.query(
              QueryRequest.builder()
                  .tableName(table)
                  .consistentRead(true)
                  .keyConditionExpression("pk = :pk AND begins_with(sk, :r)")
                  .expressionAttributeValues(Map.of(":pk", s("E#" + experimentId), ":r", s("R#")))
                  .exclusiveStartKey(from)
                  .build());
      page.items().forEach(i -> out.add(toRun(i)));
      start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
    } while (start != null && !start.isEmpty());
    return out;
  }

  /** One page of items and where the next page starts (null at the end). */
  public record Page<T>(List<T> items, String after) {}

  /**
   * Runs in run-number order (run ids are zero-padded), at most {@code limit}, after the run id
   * {@code afterRunId} (null: from the first).
   */
  public Page<RunRecord> runsPage(String experimentId, int limit, String afterRunId) {
    QueryRequest.Builder q =
        QueryRequest.builder()
            .tableName(table)
            .consistentRead(true)
            .limit(limit)
            .keyConditionExpression("pk = :pk AND begins_with(sk, :r)")
            .expressionAttributeValues(Map.of(":pk", s("E#" + experimentId), ":r", s("R#")));
    if (afterRunId != null) {
      q.exclusiveStartKey(runKey(experimentId, afterRunId));
    }
    QueryResponse page = dynamo.query(q.build());
    List<RunRecord> runs = page.items().stream().map(DynamoDbExperimentStore::toRun).toList();
    boolean more = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty();
    return new Page<>(runs, more && !runs.isEmpty() ? runs.get(runs.size() - 1).runId() : null);
  }

  /**
   * Experiments in the table's scan order, at most {@code limit}, after the experiment {@code
   * afterId} (null: from the start). The table holds runs beside experiments, so a scan page is
   * filtered and the next one continues right after the last experiment returned.
   */
  public Page<ExperimentRecord> experimentsPage(int limit, String afterId) {
    List<ExperimentRecord> out = new ArrayList<>();
    Map<String, AttributeValue> start = afterId == null ? null : expKey(afterId);
    boolean more = true;
    while (out.size() < limit && more) {
      Map<String, AttributeValue> from = start;
      software.amazon.awssdk.services.dynamodb.model.ScanResponse page =
          dynamo.scan(
              b ->
                  b.tableName(table)
                      .consistentRead(true)
                      .filterExpression("sk = :e")
                      .expressionAttributeValues(Map.of(":e", s(EXP_SK)))
                      .exclusiveStartKey(from));
      for (Map<String, AttributeValue> item : page.items()) {
        if (out.size() == limit) {
          return new Page<>(out, out.get(out.size() - 1).id());
        }
        out.add(toExperiment(item));
      }
      more = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty();
      start = more ? page.lastEvaluatedKey() : null;
    }
    return new Page<>(out, more && !out.isEmpty() ? out.get(out.size() - 1).id() : null);
  }

  /** An experiment with all its runs, as one consistent Query read them. */
  public record Partition(ExperimentRecord experiment, List<RunRecord> runs) {
    /** One of the runs, by id. */
    public Optional<RunRecord> run(String runId) {
      return runs.stream().filter(r -> r.runId().equals(runId)).findFirst();
    }
  }

  /**
   * The experiment and every run in one consistent Query of its partition (one round trip where
   * {@link #experiment} and {@link #runs} take two); empty when the experiment does not exist.
   */
  public Optional<Partition> partition(String experimentId) {
    ExperimentRecord exp = null;
    List<RunRecord> runs = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page =
          dynamo.query(
              QueryRequest.builder()
                  .tableName(table)
                  .consistentRead(true)
                  .keyConditionExpression("pk = :pk")
                  .expressionAttributeValues(Map.of(":pk", s("E#" + experimentId)))
                  .exclusiveStartKey(from)
                  .build());
      for (Map<String, AttributeValue> i : page.items()) {
        String sk = str(i, SK);
        if (EXP_SK.equals(sk)) {
          exp = toExperiment(i);
        } else if (sk != null && sk.startsWith("R#")) {
          runs.add(toRun(i));
        }
      }
      start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
    } while (start != null && !start.isEmpty());
    return exp == null ? Optional.empty() : Optional.of(new Partition(exp, runs));
  }

  /**
   * The experiment and one of its runs in one consistent BatchGetItem: for a searcher that does not
   * learn from the other runs, this read costs the same at run 1,000 as at run 1 (a partition Query
   * grows with the runs). The partition's run list holds that run alone (none if it is absent).
   */
  public Optional<Partition> experimentAndRun(String experimentId, String runId) {
    List<Map<String, AttributeValue>> keys =
        List.of(expKey(experimentId), runKey(experimentId, runId));
    Map<String, KeysAndAttributes> request =
        Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
    ExperimentRecord exp = null;
    List<RunRecord> runs = new ArrayList<>();
    // DynamoDB may leave keys unprocessed under throttling; they are asked for again.
    for (int i = 0; !request.isEmpty(); i++) {
      if (i == 10) {
        throw new IllegalStateException(
            "DynamoDB left the keys of " + experimentId + " unprocessed ten times; retried later");
      }
      Map<String, KeysAndAttributes> asked = request;
      BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(asked));
      for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
        if (EXP_SK.equals(str(item, SK))) {
          exp = toExperiment(item);
        } else {
          runs.add(toRun(item));
        }
      }
      request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
    }
    return exp == null ? Optional.empty() : Optional.of(new Partition(exp, runs));
  }

  public Optional<RunRecord> run(String experimentId, String runId) {
    Map<String, AttributeValue> item =
        dynamo
            .getItem(b -> b.tableName(table).key(runKey(experimentId, runId)).consistentRead(true))
            .item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toRun(item));
  }

  /** What came of an attempt to issue a run id. */
  public enum IssueResult {
    ISSUED,
    /** The run item existed: an earlier (retried) call issued it. */
    ALREADY_ISSUED,
    /** The counters moved, or the budget/bandwidth/stop forbid it: read again and decide. */
    REFUSED
  }

  /**
   * Issues run {@code number} (which must be {@code issued + 1}) in one transaction: creates the
   * pending run and raises {@code issued} and {@code running}, only while the experiment is
   * running, not stopped, {@code issued = number - 1}, under budget and bandwidth.
   */
  public IssueResult issueRun(String experimentId, String runId, int number) {
    return issueRun(experimentId, runId, number, null);
  }

  /**
   * As above; with {@code suggestion}, the run is issued with its assignments and the searcher's
   * new state is committed in the same transaction, conditioned on the optimizer version the
   * suggestion was made from (REFUSED when it moved).
   */
  public IssueResult issueRun(
      String experimentId, String runId, int number, Suggestion suggestion) {
    try {
      dynamo.transactWriteItems(
          b ->
              b.transactItems(
                  issueUpdate(experimentId, number, suggestion),
                  newRunPut(
                      experimentId, runId, suggestion == null ? null : suggestion.assignments())));
      StoreCounters.count("issue.committed");
      return IssueResult.ISSUED;
    } catch (TransactionCanceledException e) {
      IssueResult r = failedAt(e, 1) ? IssueResult.ALREADY_ISSUED : IssueResult.REFUSED;
      StoreCounters.count(r == IssueResult.REFUSED ? "issue.refused" : "issue.repeat");
      return r;
    }
  }

  /**
   * Issues the first {@code seeds.size()} runs of an experiment that has issued none, each with its
   * assignments, and commits the searcher's state, all in one transaction: {@code issued} and
   * {@code running} go from 0 to the seed count only while the experiment is running, not stopped,
   * the count is within budget and bandwidth, and the optimizer version is {@code fromVersion}.
   * REFUSED when any of that does not hold (nothing is written).
   *
   * @param seeds run id to assignments, in run order (run 1 first)
   */
  public IssueResult issueSeeds(
      String experimentId,
      List<Map.Entry<String, Map<String, Object>>> seeds,
      long fromVersion,
      String state,
      String stateKey) {
    int k = seeds.size();
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":k", n(k));
    values.put(":zero", n(0));
    values.put(":running", s(ExperimentStatus.RUNNING.wire()));
    values.put(":f", AttributeValue.fromBool(false));
    String update =
        "SET issued = :k, running = :k, " + optimizerUpdate(fromVersion, state, stateKey, values);
    List<TransactWriteItem> items = new ArrayList<>();
    items.add(
        TransactWriteItem.builder()
            .update(
                Update.builder()
                    .tableName(table)
                    .key(expKey(experimentId))
                    .updateExpression(update)
                    .conditionExpression(
                        "#s = :running AND stopped = :f AND issued = :zero AND running = :zero"
                            + " AND budget >= :k AND bw >= :k AND failed < maxFailed"
                            + " AND optVersion = :v")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(values)
                    .build())
            .build());
    for (Map.Entry<String, Map<String, Object>> seed : seeds) {
      items.add(newRunPut(experimentId, seed.getKey(), seed.getValue()));
    }
    try {
      dynamo.transactWriteItems(b -> b.transactItems(items));
      StoreCounters.count("issue.committed");
      return IssueResult.ISSUED;
    } catch (TransactionCanceledException e) {
      StoreCounters.count("issue.refused");
      return IssueResult.REFUSED;
    }
  }

  private TransactWriteItem issueUpdate(String experimentId, int number, Suggestion suggestion) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":n", n(number));
    values.put(":prev", n(number - 1));
    values.put(":one", n(1));
    values.put(":running", s(ExperimentStatus.RUNNING.wire()));
    values.put(":f", AttributeValue.fromBool(false));
    String update = "SET issued = :n, running = running + :one";
    String condition =
        "#s = :running AND stopped = :f AND issued = :prev AND issued < budget"
            + " AND running < bw AND failed < maxFailed";
    if (suggestion != null) {
      condition += " AND optVersion = :v";
      update += ", " + optimizerUpdate(suggestion, values);
    }
    return TransactWriteItem.builder()
        .update(
            Update.builder()
                .tableName(table)
                .key(expKey(experimentId))
                .updateExpression(update)
                .conditionExpression(condition)
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(values)
                .build())
        .build();
  }

  private TransactWriteItem newRunPut(String experimentId, String runId) {
    return newRunPut(experimentId, runId, null);
  }

  private TransactWriteItem newRunPut(
      String experimentId, String runId, Map<String, Object> assignments) {
    Map<String, AttributeValue> item = new HashMap<>(runKey(experimentId, runId));
    if (assignments != null) {
      item.put("assignments", s(Json.write(assignments)));
    }
    item.put("runId", s(runId));
    item.put("number", n(dev.orchestra.shared.experiment.ExperimentIds.runNumber(runId)));
    item.put("attempt", n(1));
    item.put("status", s(RunStatus.PENDING.wire()));
    return TransactWriteItem.builder()
        .put(
            Put.builder()
                .tableName(table)
                .item(item)
                .conditionExpression("attribute_not_exists(pk)")
                .build())
        .build();
  }

  /**
   * A suggestion ready to be committed: the assignments, the searcher's new state (inline, or in S3
   * under {@code stateKey} when too big for an item), and the optimizer version it was made from,
   * which the committing write requires unchanged.
   */
  public record Suggestion(
      Map<String, Object> assignments, long fromVersion, String state, String stateKey) {}

  private static String optimizerUpdate(Suggestion s, Map<String, AttributeValue> values) {
    return optimizerUpdate(s.fromVersion(), s.state(), s.stateKey(), values);
  }

  /**
   * The optimizer's next version and its state (inline, or the S3 key of a state too big for the
   * item) as the tail of an experiment update; sets {@code :v} (the version it was made from, for
   * the caller's {@code optVersion = :v} condition) and {@code :v1}. Its REMOVE clause ends the
   * expression, so it comes last.
   */
  private static String optimizerUpdate(
      long fromVersion, String state, String stateKey, Map<String, AttributeValue> values) {
    values.put(":v", n(fromVersion));
    values.put(":v1", n(fromVersion + 1));
    if (state != null) {
      values.put(":optSt", s(state));
      return "optVersion = :v1, optState = :optSt REMOVE optStateKey";
    }
    values.put(":optKey", s(stateKey));
    return "optVersion = :v1, optStateKey = :optKey REMOVE optState";
  }

  /** What came of committing a suggestion. */
  public enum SuggestResult {
    COMMITTED,
    /** The run had assignments already: a retried Dispatch; use those. */
    ALREADY_SUGGESTED,
    /** Another Suggest committed first (the state version moved): read again and retry. */
    CONFLICT
  }

  /**
   * Commits a suggestion: the run's assignments and the searcher's new state, in one transaction
   * conditioned on the state version read before suggesting. Exactly one of two concurrent
   * suggesters wins; the loser retries from the new state, so no random draw is lost or reused.
   *
   * @param state the new state JSON, or null when it was written to S3 under {@code stateKey}
   */
  public SuggestResult commitSuggestion(
      String experimentId,
      String runId,
      Map<String, Object> assignments,
      long expectedVersion,
      String state,
      String stateKey) {
    Map<String, AttributeValue> values = new HashMap<>();
    String update = "SET " + optimizerUpdate(expectedVersion, state, stateKey, values);
    TransactWriteItem exp =
        TransactWriteItem.builder()
            .update(
                Update.builder()
                    .tableName(table)
                    .key(expKey(experimentId))
                    .updateExpression(update)
                    .conditionExpression("optVersion = :v")
                    .expressionAttributeValues(values)
                    .build())
            .build();
    TransactWriteItem run =
        TransactWriteItem.builder()
            .update(
                Update.builder()
                    .tableName(table)
                    .key(runKey(experimentId, runId))
                    .updateExpression("SET assignments = :a")
                    .conditionExpression(
                        "attribute_exists(pk) AND attribute_not_exists(assignments)")
                    .expressionAttributeValues(Map.of(":a", s(Json.write(assignments))))
                    .build())
            .build();
    try {
      dynamo.transactWriteItems(b -> b.transactItems(exp, run));
      StoreCounters.count("suggest.committed");
      return SuggestResult.COMMITTED;
    } catch (TransactionCanceledException e) {
      SuggestResult r = failedAt(e, 1) ? SuggestResult.ALREADY_SUGGESTED : SuggestResult.CONFLICT;
      StoreCounters.count(r == SuggestResult.CONFLICT ? "suggest.conflict" : "suggest.repeat");
      return r;
    }
  }

  /**
   * Records that {@code attempt} is being dispatched: its nonce and the Dispatch task token. Empty
   * when the run has moved past this attempt or is finished (a stale invocation).
   */
  public Optional<RunRecord> startAttempt(
      String experimentId, String runId, int attempt, String nonce, String token) {
    try {
      Map<String, AttributeValue> item =
          dynamo
              .updateItem(
                  b ->
                      b.tableName(table)
                          .key(runKey(experimentId, runId))
                          .updateExpression(
                              "SET #s = :running, nonce = if_not_exists(nonce, :nonce), #t = :t, startedAt = :now")
                          .conditionExpression(
                              "attribute_exists(pk) AND attempt = :a AND #s IN (:pending, :running)")
                          .expressionAttributeNames(Map.of("#s", "status", "#t", "token"))
                          .expressionAttributeValues(
                              Map.of(
                                  ":running", s(RunStatus.RUNNING.wire()),
                                  ":pending", s(RunStatus.PENDING.wire()),
                                  ":nonce", s(nonce),
                                  ":t", s(token),
                                  ":now", n(System.currentTimeMillis()),
                                  ":a", n(attempt)))
                          .returnValues(ReturnValue.ALL_NEW))
              .attributes();
      return Optional.of(toRun(item));
    } catch (ConditionalCheckFailedException stale) {
      return Optional.empty();
    }
  }

  /**
   * Moves a run to attempt {@code attempt + 1} after a retryable failure; the old nonce and token
   * stop being valid at once. False when the run is not at {@code attempt} any more (a retried call
   * after the move, or a finished run).
   */
  public boolean nextAttempt(
      String experimentId, String runId, int attempt, List<RunRecord.Attempt> attempts) {
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(runKey(experimentId, runId))
                  .updateExpression("SET attempt = :a1, attempts = :list REMOVE nonce, #t")
                  .conditionExpression("attempt = :a AND #s IN (:pending, :running)")
                  .expressionAttributeNames(Map.of("#s", "status", "#t", "token"))
                  .expressionAttributeValues(
                      Map.of(
                          ":a", n(attempt),
                          ":a1", n(attempt + 1),
                          ":list", s(Json.write(attempts)),
                          ":pending", s(RunStatus.PENDING.wire()),
                          ":running", s(RunStatus.RUNNING.wire()))));
      return true;
    } catch (ConditionalCheckFailedException moved) {
      return false;
    }
  }

  /**
   * Keeps what the carrier reported for an attempt (exit code, metrics, output tail) on the run,
   * before the task is completed: RecordFailure reads it from here rather than from the error's
   * cause, which has a size limit (and which moto 5.2.1 drops). Only for the run's current attempt.
   */
  public void putCarrierResult(
      String experimentId,
      String runId,
      int attempt,
      Integer exitCode,
      Map<String, Object> metrics,
      String outputTail) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":a", n(attempt));
    StringBuilder set = new StringBuilder("SET resultAttempt = :a");
    if (exitCode != null) {
      values.put(":x", n(exitCode));
      set.append(", exitCode = :x");
    }
    if (metrics != null) {
      values.put(":m", s(Json.write(metrics)));
      set.append(", #m = :m");
    }
    if (outputTail != null) {
      values.put(":tail", s(outputTail));
      set.append(", tail = :tail");
    }
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(runKey(experimentId, runId))
                  .updateExpression(set.toString())
                  .conditionExpression("attempt = :a")
                  .expressionAttributeNames(metrics != null ? Map.of("#m", "metrics") : null)
                  .expressionAttributeValues(values));
    } catch (ConditionalCheckFailedException moved) {
      // The run moved to another attempt: this result is stale and must not be kept.
    }
  }

  /** Notes a heartbeat of the current attempt (tells heartbeat loss from timeout later). */
  public void touchHeartbeat(String experimentId, String runId, int attempt) {
    try {
      dynamo.updateItem(
          b ->
              b.tableName(table)
                  .key(runKey(experimentId, runId))
                  .updateExpression("SET heartbeatAt = :now")
                  .conditionExpression("attempt = :a")
                  .expressionAttributeValues(
                      Map.of(":now", n(System.currentTimeMillis()), ":a", n(attempt))));
    } catch (ConditionalCheckFailedException moved) {
      // another attempt by now
    }
  }

  /** A run's final outcome, as {@link #finishRun} writes it. */
  public record Outcome(
      RunStatus status,
      Map<String, Object> metrics,
      String reason,
      Integer exitCode,
      String outputTail,
      List<RunRecord.Attempt> attempts) {}

  /** What came of finishing a run. */
  public enum FinishResult {
    FINISHED,
    /** The run was already final (or past this attempt): an earlier call recorded it. */
    ALREADY_FINISHED,
    /** The counters moved since they were read: read again and decide again. */
    CONFLICT
  }

  /**
   * Writes a run's final outcome and frees its slot, in one transaction; when {@code nextRunId} is
   * given, the same transaction hands the slot to that new run (issued = {@code expectedIssued +
   * 1}), conditioned on the counters being those the decision was made from.
   */
  public FinishResult finishRun(
      ExperimentRecord exp, String runId, int attempt, Outcome outcome, String nextRunId) {
    return finishRun(exp, runId, attempt, outcome, nextRunId, null);
  }

  /**
   * As above; with {@code suggestion}, the next run is issued with its assignments and the
   * searcher's new state is committed in the same transaction, conditioned on the optimizer version
   * the suggestion was made from (so the next run's Dispatch has nothing to suggest).
   */
  public FinishResult finishRun(
      ExperimentRecord exp,
      String runId,
      int attempt,
      Outcome outcome,
      String nextRunId,
      Suggestion suggestion) {
    if (suggestion != null && nextRunId == null) {
      throw new IllegalArgumentException("a suggestion needs a next run");
    }
    Map<String, AttributeValue> runValues = new HashMap<>();
    runValues.put(":a", n(attempt));
    runValues.put(":st", s(outcome.status().wire()));
    runValues.put(":pending", s(RunStatus.PENDING.wire()));
    runValues.put(":running", s(RunStatus.RUNNING.wire()));
    runValues.put(":list", s(Json.write(outcome.attempts())));
    StringBuilder set = new StringBuilder("SET #s = :st, attempts = :list");
    if (outcome.metrics() != null) {
      runValues.put(":m", s(Json.write(outcome.metrics())));
      set.append(", #m = :m");
    }
    if (outcome.reason() != null) {
      runValues.put(":r", s(outcome.reason()));
      set.append(", reason = :r");
    }
    if (outcome.exitCode() != null) {
      runValues.put(":x", n(outcome.exitCode()));
      set.append(", exitCode = :x");
    }
    if (outcome.outputTail() != null) {
      runValues.put(":tail", s(outcome.outputTail()));
      set.append(", tail = :tail");
    }
    if (nextRunId != null) {
      runValues.put(":next", s(nextRunId));
      set.append(", #nx = :next");
    }
    set.append(" REMOVE #t");
    Map<String, String> runNames = new HashMap<>(Map.of("#s", "status", "#t", "token"));
    if (outcome.metrics() != null) {
      runNames.put("#m", "metrics");
    }
    if (nextRunId != null) {
      runNames.put("#nx", "next");
    }
    TransactWriteItem run =
        TransactWriteItem.builder()
            .update(
                Update.builder()
                    .tableName(table)
                    .key(runKey(exp.id(), runId))
                    .updateExpression(set.toString())
                    .conditionExpression("attempt = :a AND #s IN (:pending, :running)")
                    .expressionAttributeNames(runNames)
                    .expressionAttributeValues(runValues)
                    .build())
            .build();

    boolean failed = outcome.status() == RunStatus.FAILED;
    boolean succeeded = outcome.status() == RunStatus.SUCCEEDED;
    Map<String, AttributeValue> expValues = new HashMap<>();
    expValues.put(":one", n(1));
    expValues.put(":zero", n(0));
    expValues.put(":ds", n(succeeded ? 1 : 0));
    expValues.put(":df", n(failed ? 1 : 0));
    String expUpdate;
    String expCondition;
    if (nextRunId == null) {
      expUpdate =
          "SET running = running - :one, succeeded = succeeded + :ds, failed = failed + :df";
      expCondition = "running > :zero";
    } else {
      expValues.put(":prev", n(exp.issued()));
      expValues.put(":n", n(exp.issued() + 1));
      expValues.put(":f", AttributeValue.fromBool(false));
      expValues.put(":runningSt", s(ExperimentStatus.RUNNING.wire()));
      expValues.put(":failLimit", n(exp.plan().maxFailedRuns() - (failed ? 1 : 0)));
      // The slot passes from the finished run to the next one: running is unchanged.
      expUpdate = "SET issued = :n, succeeded = succeeded + :ds, failed = failed + :df";
      expCondition =
          "running > :zero AND issued = :prev AND issued < budget AND stopped = :f"
              + " AND #es = :runningSt AND failed < :failLimit";
      if (suggestion != null) {
        expCondition += " AND optVersion = :v";
        expUpdate += ", " + optimizerUpdate(suggestion, expValues);
      }
    }
    Update.Builder expUpdateB =
        Update.builder()
            .tableName(table)
            .key(expKey(exp.id()))
            .updateExpression(expUpdate)
            .conditionExpression(expCondition)
            .expressionAttributeValues(expValues);
    if (nextRunId != null) {
      expUpdateB.expressionAttributeNames(Map.of("#es", "status"));
    }
    List<TransactWriteItem> items = new ArrayList<>();
    items.add(run);
    items.add(TransactWriteItem.builder().update(expUpdateB.build()).build());
    if (nextRunId != null) {
      items.add(
          newRunPut(exp.id(), nextRunId, suggestion == null ? null : suggestion.assignments()));
    }
    try {
      dynamo.transactWriteItems(b -> b.transactItems(items));
      StoreCounters.count("finish.committed");
      return FinishResult.FINISHED;
    } catch (TransactionCanceledException e) {
      FinishResult r = failedAt(e, 0) ? FinishResult.ALREADY_FINISHED : FinishResult.CONFLICT;
      StoreCounters.count(r == FinishResult.CONFLICT ? "finish.conflict" : "finish.repeat");
      return r;
    }
  }

  private static boolean failedAt(TransactionCanceledException e, int index) {
    List<CancellationReason> reasons = e.cancellationReasons();
    return reasons != null
        && reasons.size() > index
        && "ConditionalCheckFailed".equals(reasons.get(index).code());
  }

  // ---- item mapping

  private static Map<String, AttributeValue> expKey(String id) {
    return Map.of(PK, s("E#" + id), SK, s(EXP_SK));
  }

  private static Map<String, AttributeValue> runKey(String experimentId, String runId) {
    return Map.of(PK, s("E#" + experimentId), SK, s("R#" + runId));
  }

  static ExperimentRecord toExperiment(Map<String, AttributeValue> i) {
    return new ExperimentRecord(
        str(i, "id"),
        str(i, "name"),
        ExperimentStatus.of(str(i, "status")),
        str(i, "bucket"),
        str(i, "statusKey"),
        Json.read(str(i, "plan"), ExperimentPlan.class),
        num(i, "issued"),
        num(i, "running"),
        num(i, "succeeded"),
        num(i, "failed"),
        i.containsKey("stopped") && Boolean.TRUE.equals(i.get("stopped").bool()),
        str(i, "token"),
        i.containsKey("optVersion") ? Long.parseLong(i.get("optVersion").n()) : 0,
        str(i, "optState"),
        str(i, "optStateKey"),
        str(i, "best"),
        str(i, "error"),
        str(i, "createdAt"),
        str(i, "finishedAt"));
  }

  static RunRecord toRun(Map<String, AttributeValue> i) {
    String runId = str(i, "runId");
    return new RunRecord(
        dev.orchestra.shared.experiment.ExperimentIds.experimentOf(runId),
        runId,
        num(i, "number"),
        num(i, "attempt"),
        RunStatus.of(str(i, "status")),
        Json.readMap(str(i, "assignments")),
        Json.readMap(str(i, "metrics")),
        str(i, "reason"),
        i.containsKey("exitCode") ? num(i, "exitCode") : null,
        str(i, "tail"),
        str(i, "token"),
        str(i, "nonce"),
        i.containsKey("attempts") ? readAttempts(str(i, "attempts")) : List.of(),
        str(i, "next"),
        i.containsKey("resultAttempt") ? num(i, "resultAttempt") : null,
        i.containsKey("heartbeatAt")
            ? Long.valueOf(i.get("heartbeatAt").n())
            : i.containsKey("startedAt") ? Long.valueOf(i.get("startedAt").n()) : null);
  }

  private static List<RunRecord.Attempt> readAttempts(String json) {
    try {
      return Json.MAPPER.readValue(json, new TypeReference<List<RunRecord.Attempt>>() {});
    } catch (Exception e) {
      throw new IllegalStateException("corrupt attempts on a run item", e);
    }
  }

  static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  static AttributeValue n(long v) {
    return AttributeValue.fromN(Long.toString(v));
  }

  private static void putIfPresent(Map<String, AttributeValue> item, String k, String v) {
    if (v != null) {
      item.put(k, s(v));
    }
  }

  private static String str(Map<String, AttributeValue> i, String k) {
    AttributeValue v = i.get(k);
    return v == null ? null : v.s();
  }

  private static int num(Map<String, AttributeValue> i, String k) {
    AttributeValue v = i.get(k);
    return v == null || v.n() == null ? 0 : Integer.parseInt(v.n());
  }
}
