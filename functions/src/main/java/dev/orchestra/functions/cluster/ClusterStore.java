package dev.orchestra.functions.cluster;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Cluster records in DynamoDB, one item per cluster name. Every write is an update expression, so a
 * repeated step writes the same thing again; {@link #markCreated} only records the first creator.
 */
public final class ClusterStore {
  static final String KEY = "name";

  private final Supplier<DynamoDbClient> dynamo;
  private final String table;

  public ClusterStore(DynamoDbClient dynamo, String table) {
    this(() -> dynamo, table);
  }

  /** With the client built on first use (a step that reads no record builds none). */
  public ClusterStore(Supplier<DynamoDbClient> dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  public static CreateTableRequest tableRequest(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(
            AttributeDefinition.builder()
                .attributeName(KEY)
                .attributeType(ScalarAttributeType.S)
                .build())
        .keySchema(KeySchemaElement.builder().attributeName(KEY).keyType(KeyType.HASH).build())
        .build();
  }

  public static void createTable(DynamoDbClient dynamo, String table) {
    try {
      dynamo.createTable(tableRequest(table));
    } catch (ResourceInUseException exists) {
      // already there
    }
  }

  /** Starts (or restarts) work on a cluster: status, file and version, the execution doing it. */
  public void begin(String name, String status, String configYaml, String version, String exec) {
    Map<String, String> names = new HashMap<>(Map.of("#s", "status", "#c", "created"));
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":s", s(status));
    values.put(":y", s(configYaml));
    values.put(":v", s(version));
    values.put(":e", s(exec));
    values.put(":t", s(Instant.now().toString()));
    values.put(":empty", AttributeValue.fromM(Map.of()));
    values.put(":nohistory", AttributeValue.fromL(List.of()));
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression(
                        "SET #s = :s, configYaml = :y, version = :v, execution = :e, updatedAt = :t,"
                            + " #c = if_not_exists(#c, :empty), history = if_not_exists(history,"
                            + " :nohistory) REMOVE reason")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
  }

  public Optional<ClusterRecord> get(String name) {
    Map<String, AttributeValue> item =
        dynamo.get().getItem(b -> b.tableName(table).key(key(name)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(decode(item));
  }

  public List<ClusterRecord> list() {
    List<ClusterRecord> out = new ArrayList<>();
    dynamo
        .get()
        .scanPaginator(b -> b.tableName(table).consistentRead(true))
        .items()
        .forEach(i -> out.add(decode(i)));
    out.sort(java.util.Comparator.comparing(ClusterRecord::name));
    return out;
  }

  /** Records that {@code exec} created {@code resource}, unless someone is already recorded. */
  public void markCreated(String name, String resource, String exec) {
    try {
      dynamo
          .get()
          .updateItem(
              b ->
                  b.tableName(table)
                      .key(key(name))
                      .updateExpression("SET #c.#r = :e")
                      .conditionExpression("attribute_not_exists(#c.#r)")
                      .expressionAttributeNames(Map.of("#c", "created", "#r", resource))
                      .expressionAttributeValues(Map.of(":e", s(exec))));
    } catch (ConditionalCheckFailedException alreadyRecorded) {
      // the first creator stays recorded
    }
  }

  /** Forgets a resource that is gone. */
  public void forgetCreated(String name, String resource) {
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression("REMOVE #c.#r")
                    .expressionAttributeNames(Map.of("#c", "created", "#r", resource)));
  }

  public void setStatus(String name, String status, String reason) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":s", s(status));
    values.put(":t", s(Instant.now().toString()));
    String expr = "SET #s = :s, updatedAt = :t";
    if (reason != null) {
      values.put(":r", s(reason));
      expr += ", reason = :r";
    } else {
      expr += " REMOVE reason";
    }
    String update = expr;
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression(update)
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(values));
  }

  /** Stores the file an update applied. */
  public void setConfig(String name, String configYaml, String version) {
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression("SET configYaml = :y, version = :v, updatedAt = :t")
                    .expressionAttributeValues(
                        Map.of(
                            ":y",
                            s(configYaml),
                            ":v",
                            s(version),
                            ":t",
                            s(Instant.now().toString()))));
  }

  /** The update in progress: its plan (JSON), the action index, the phase, the EKS update id. */
  public void setUpdateState(
      String name, String planJson, int index, String phase, String updateId) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":p", s(planJson));
    values.put(":i", AttributeValue.fromN(Integer.toString(index)));
    values.put(":ph", s(phase));
    values.put(":u", s(updateId));
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression(
                        "SET updatePlan = :p, updateIndex = :i, updatePhase = :ph, updateId = :u")
                    .expressionAttributeValues(values));
  }

  /** The update state: plan JSON, index, phase, update id; empty strings when none. */
  public UpdateState updateState(String name) {
    Map<String, AttributeValue> item =
        dynamo.get().getItem(b -> b.tableName(table).key(key(name)).consistentRead(true)).item();
    if (item == null || !item.containsKey("updatePlan")) {
      return new UpdateState("", 0, "", "");
    }
    return new UpdateState(
        str(item, "updatePlan"),
        Integer.parseInt(item.get("updateIndex").n()),
        str(item, "updatePhase"),
        str(item, "updateId"));
  }

  /** Where an update stands. */
  public record UpdateState(String planJson, int index, String phase, String updateId) {}

  /** When the runs namespace last had work (the idle check's clock). */
  public void setLastBusy(String name, Instant at) {
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression("SET lastBusyAt = :t")
                    .expressionAttributeValues(Map.of(":t", s(at.toString()))));
  }

  public Optional<Instant> lastBusy(String name) {
    Map<String, AttributeValue> item =
        dynamo.get().getItem(b -> b.tableName(table).key(key(name)).consistentRead(true)).item();
    return Optional.ofNullable(item == null ? null : str(item, "lastBusyAt")).map(Instant::parse);
  }

  public void appendHistory(String name, String entry) {
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name))
                    .updateExpression(
                        "SET history = list_append(if_not_exists(history, :none), :e), updatedAt = :t")
                    .expressionAttributeValues(
                        Map.of(
                            ":none", AttributeValue.fromL(List.of()),
                            ":e", AttributeValue.fromL(List.of(s(Instant.now() + " " + entry))),
                            ":t", s(Instant.now().toString()))));
  }

  public void delete(String name) {
    dynamo.get().deleteItem(b -> b.tableName(table).key(key(name)));
  }

  private static Map<String, AttributeValue> key(String name) {
    return Map.of(KEY, s(name));
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v == null ? "" : v);
  }

  private static ClusterRecord decode(Map<String, AttributeValue> item) {
    Map<String, String> created = new LinkedHashMap<>();
    AttributeValue c = item.get("created");
    if (c != null && c.m() != null) {
      c.m().forEach((k, v) -> created.put(k, v.s()));
    }
    List<String> history = new ArrayList<>();
    AttributeValue h = item.get("history");
    if (h != null && h.l() != null) {
      h.l().forEach(v -> history.add(v.s()));
    }
    return new ClusterRecord(
        str(item, KEY),
        str(item, "status"),
        str(item, "configYaml"),
        str(item, "version"),
        str(item, "reason"),
        str(item, "execution"),
        created,
        history,
        str(item, "updatedAt"));
  }

  private static String str(Map<String, AttributeValue> item, String k) {
    AttributeValue v = item.get(k);
    return v == null ? null : v.s();
  }
}
