package dev.orchestra.functions.pool;

import dev.orchestra.shared.config.Parsed;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.AgentReport;
import dev.orchestra.shared.pool.PoolScaler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;

/**
 * Pools in DynamoDB, one partition per pool ({@code pool#<name>}): the record (sort key {@code
 * pool}) with the recent capacity refusals and the last scaling decision's reasons; the last {@link
 * AgentReport} of each instance ({@code agent#<instance id>}, replaced only by a later report); and
 * the instances Orchestra terminated itself ({@code terminated#<instance id>}, with the reason;
 * {@code expiresAt} for the table's TTL), so their disappearance is not taken for an interruption.
 *
 * <p>The record is written with optimistic locking on {@code version}: every write names the
 * version it read and bumps it.
 */
public final class PoolStore {
  static final String PK = "pk";
  static final String SK = "sk";
  static final String RECORD = "pool";
  static final String AGENT = "agent#";
  static final String TERMINATED = "terminated#";
  static final String DISPATCH = "dispatch#";

  /** The attribute DynamoDB's TTL removes items by (epoch seconds); set on terminated marks. */
  public static final String TTL_ATTRIBUTE = "expiresAt";

  private final Supplier<DynamoDbClient> dynamo;
  private final String table;

  public PoolStore(DynamoDbClient dynamo, String table) {
    this(() -> dynamo, table);
  }

  /** With the client built on first use. */
  public PoolStore(Supplier<DynamoDbClient> dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** The same pk/sk string key schema as the experiments table. */
  public static CreateTableRequest tableRequest(String table) {
    return dev.orchestra.functions.store.DynamoDbExperimentStore.tableRequest(table);
  }

  public static void createTable(DynamoDbClient dynamo, String table) {
    try {
      dynamo.createTable(tableRequest(table));
    } catch (ResourceInUseException exists) {
      // already there
    }
  }

  /** A pool's record with what the scaling tick keeps beside it. */
  public record Stored(
      PoolRecord record,
      List<PoolScaler.Refusal> refusals,
      List<String> lastDecision,
      Instant lastDecisionAt) {}

  /**
   * Everything stored of one pool: the record, its agents' last reports, Orchestra's kills (reason
   * by instance id) and the dispatch claims (the run attempts queued on it).
   */
  public record Snapshot(
      Optional<Stored> pool,
      Map<String, AgentReport> agents,
      Map<String, String> terminated,
      List<Dispatch> dispatches) {}

  /** A claimed run attempt ({@code dispatch#<run id>#a<attempt>}); sent: it is on the queue. */
  public record Dispatch(String runId, int attempt, boolean sent, long claimedAt) {}

  /** The thrown-away write of a record someone else changed first (re-read and decide again). */
  public static final class ConcurrentChangeException extends RuntimeException {
    public ConcurrentChangeException(String name) {
      super("pool " + name + " was changed by another request at the same time; try again");
    }
  }

  public Optional<PoolRecord> get(String name) {
    return find(name).map(Stored::record);
  }

  public Optional<Stored> find(String name) {
    Map<String, AttributeValue> item =
        dynamo
            .get()
            .getItem(b -> b.tableName(table).key(key(name, RECORD)).consistentRead(true))
            .item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(decode(item));
  }

  /** One query for the whole partition. */
  public Snapshot snapshot(String name) {
    Stored pool = null;
    Map<String, AgentReport> agents = new LinkedHashMap<>();
    Map<String, String> terminated = new LinkedHashMap<>();
    List<Dispatch> dispatches = new ArrayList<>();
    for (Map<String, AttributeValue> item :
        dynamo
            .get()
            .queryPaginator(
                b ->
                    b.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("#pk = :pk")
                        .expressionAttributeNames(Map.of("#pk", PK))
                        .expressionAttributeValues(Map.of(":pk", s(pk(name)))))
            .items()) {
      String sk = item.get(SK).s();
      if (sk.equals(RECORD)) {
        pool = decode(item);
      } else if (sk.startsWith(AGENT)) {
        agents.put(sk.substring(AGENT.length()), decodeAgent(name, item));
      } else if (sk.startsWith(TERMINATED)) {
        terminated.put(sk.substring(TERMINATED.length()), str(item, "reason"));
      } else if (sk.startsWith(DISPATCH)) {
        String rest = sk.substring(DISPATCH.length());
        int at = rest.lastIndexOf("#a");
        if (at > 0) {
          AttributeValue sent = item.get("sent");
          AttributeValue claimed = item.get("claimedAt");
          dispatches.add(
              new Dispatch(
                  rest.substring(0, at),
                  Integer.parseInt(rest.substring(at + 2)),
                  sent != null && Boolean.TRUE.equals(sent.bool()),
                  claimed == null ? 0 : Long.parseLong(claimed.n())));
        }
      }
    }
    return new Snapshot(Optional.ofNullable(pool), agents, terminated, dispatches);
  }

  /** Every pool record (DESTROYED ones included), by name. */
  public List<PoolRecord> list() {
    List<PoolRecord> out = new ArrayList<>();
    dynamo
        .get()
        .scanPaginator(
            b ->
                b.tableName(table)
                    .consistentRead(true)
                    .filterExpression("#sk = :r")
                    .expressionAttributeNames(Map.of("#sk", SK))
                    .expressionAttributeValues(Map.of(":r", s(RECORD))))
        .items()
        .forEach(i -> out.add(decode(i).record()));
    out.sort(Comparator.comparing(PoolRecord::name));
    return out;
  }

  /**
   * Writes {@code next} where the stored record is at {@code expectedVersion} (0: there is none, or
   * only a DESTROYED one of that version). The written record has version {@code expectedVersion +
   * 1}.
   *
   * @throws ConcurrentChangeException when the stored version is another
   */
  public PoolRecord write(PoolRecord next, long expectedVersion) {
    PoolRecord r =
        new PoolRecord(
            next.name(),
            next.config(),
            next.configYaml(),
            next.status(),
            next.workQueueUrl(),
            next.instanceProfileArn(),
            next.message(),
            expectedVersion + 1,
            next.createdAt(),
            Instant.now());
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":name", s(r.name()));
    values.put(":yaml", s(r.configYaml()));
    values.put(":status", s(r.status()));
    values.put(":queue", s(r.workQueueUrl()));
    values.put(":profile", s(r.instanceProfileArn()));
    values.put(":message", s(r.message()));
    values.put(":v", n(r.version()));
    values.put(":expected", n(expectedVersion));
    values.put(
        ":created", s(r.createdAt() == null ? r.updatedAt().toString() : r.createdAt().toString()));
    values.put(":updated", s(r.updatedAt().toString()));
    try {
      dynamo
          .get()
          .updateItem(
              b ->
                  b.tableName(table)
                      .key(key(r.name(), RECORD))
                      .updateExpression(
                          "SET #name = :name, configYaml = :yaml, #status = :status,"
                              + " workQueueUrl = :queue, instanceProfileArn = :profile,"
                              + " #message = :message, #version = :v,"
                              + " createdAt = if_not_exists(createdAt, :created),"
                              + " updatedAt = :updated")
                      .conditionExpression(
                          expectedVersion == 0
                              ? "attribute_not_exists(#version) OR #version = :expected"
                              : "#version = :expected")
                      .expressionAttributeNames(
                          Map.of(
                              "#name", "name",
                              "#status", "status",
                              "#message", "message",
                              "#version", "version"))
                      .expressionAttributeValues(values));
    } catch (ConditionalCheckFailedException changed) {
      throw new ConcurrentChangeException(r.name());
    }
    return get(r.name()).orElse(r);
  }

  /**
   * Stores an agent's report unless a report sent later ({@code at}) is there already. Returns
   * whether it was stored.
   */
  public boolean recordAgent(AgentReport r) {
    Map<String, AttributeValue> item = new HashMap<>(key(r.pool(), AGENT + r.instanceId()));
    item.put("state", s(r.state()));
    item.put("since", n(r.since()));
    item.put("at", n(r.at()));
    if (r.busy()) {
      item.put("experimentId", s(r.experimentId()));
      item.put("runId", s(r.runId()));
      item.put("attempt", n(r.attempt()));
    }
    try {
      dynamo
          .get()
          .putItem(
              b ->
                  b.tableName(table)
                      .item(item)
                      .conditionExpression("attribute_not_exists(#at) OR #at < :at")
                      .expressionAttributeNames(Map.of("#at", "at"))
                      .expressionAttributeValues(Map.of(":at", n(r.at()))));
      return true;
    } catch (ConditionalCheckFailedException older) {
      return false;
    }
  }

  public Map<String, AgentReport> agents(String name) {
    return snapshot(name).agents();
  }

  public void forgetAgent(String name, String instanceId) {
    dynamo.get().deleteItem(b -> b.tableName(table).key(key(name, AGENT + instanceId)));
  }

  /** Orchestra is terminating this instance (written before the call), kept until it expires. */
  public void markTerminated(String name, String instanceId, String reason, Instant expiresAt) {
    Map<String, AttributeValue> item = new HashMap<>(key(name, TERMINATED + instanceId));
    item.put("reason", s(reason));
    item.put("at", s(Instant.now().toString()));
    item.put(TTL_ATTRIBUTE, n(expiresAt.getEpochSecond()));
    dynamo.get().putItem(b -> b.tableName(table).item(item));
  }

  public void forgetTerminated(String name, String instanceId) {
    dynamo.get().deleteItem(b -> b.tableName(table).key(key(name, TERMINATED + instanceId)));
  }

  /**
   * Stores the refusals still within their cooldown and the last decision's reasons (no version
   * check: only the tick writes them, and the record's own fields are left as they are).
   */
  public void recordDecision(
      String name, List<PoolScaler.Refusal> refusals, List<String> reasons, Instant at) {
    List<AttributeValue> refs = new ArrayList<>();
    for (PoolScaler.Refusal r : refusals) {
      refs.add(
          AttributeValue.fromM(
              Map.of(
                  "type", s(r.instanceType()),
                  "capacity", s(r.capacity().name()),
                  "at", s(r.at().toString()))));
    }
    List<AttributeValue> why = new ArrayList<>();
    reasons.forEach(x -> why.add(s(x)));
    try {
      dynamo
          .get()
          .updateItem(
              b ->
                  b.tableName(table)
                      .key(key(name, RECORD))
                      .updateExpression(
                          "SET refusals = :refusals, lastDecision = :why, lastDecisionAt = :at")
                      .conditionExpression("attribute_exists(#pk)")
                      .expressionAttributeNames(Map.of("#pk", PK))
                      .expressionAttributeValues(
                          Map.of(
                              ":refusals", AttributeValue.fromL(refs),
                              ":why", AttributeValue.fromL(why),
                              ":at", s(at.toString()))));
    } catch (ConditionalCheckFailedException gone) {
      // the record was removed meanwhile: nothing to note it on
    }
  }

  /**
   * Takes the pool's tick lease until {@code until}, unless another tick holds it (EventBridge may
   * deliver a schedule twice; two ticks at once would both launch). False when held or no record.
   */
  public boolean lease(String name, Instant now, Instant until) {
    try {
      dynamo
          .get()
          .updateItem(
              b ->
                  b.tableName(table)
                      .key(key(name, RECORD))
                      .updateExpression("SET tickUntil = :until")
                      .conditionExpression(
                          "attribute_exists(#pk) AND (attribute_not_exists(tickUntil) OR tickUntil"
                              + " < :now)")
                      .expressionAttributeNames(Map.of("#pk", PK))
                      .expressionAttributeValues(
                          Map.of(
                              ":until", n(until.toEpochMilli()), ":now", n(now.toEpochMilli()))));
      return true;
    } catch (ConditionalCheckFailedException held) {
      return false;
    }
  }

  /** Gives the tick lease back. */
  public void release(String name) {
    try {
      dynamo
          .get()
          .updateItem(
              b ->
                  b.tableName(table)
                      .key(key(name, RECORD))
                      .updateExpression("REMOVE tickUntil")
                      .conditionExpression("attribute_exists(#pk)")
                      .expressionAttributeNames(Map.of("#pk", PK)));
    } catch (ConditionalCheckFailedException gone) {
      // no record
    }
  }

  /**
   * Claims the queueing of one run attempt ({@code dispatch#<run id>#a<attempt>}), so a repeated
   * Dispatch does not put a second work item on the queue (which would make a second instance run
   * the same attempt). True when this call claimed it: no claim yet, or an unsent one older than
   * {@code staleBefore} (its claimer died before sending).
   */
  public boolean claimDispatch(
      String name, String runId, int attempt, Instant now, Instant staleBefore, Instant expires) {
    Map<String, AttributeValue> item = new HashMap<>(key(name, dispatchKey(runId, attempt)));
    item.put("claimedAt", n(now.toEpochMilli()));
    item.put("sent", AttributeValue.fromBool(false));
    item.put(TTL_ATTRIBUTE, n(expires.getEpochSecond()));
    try {
      dynamo
          .get()
          .putItem(
              b ->
                  b.tableName(table)
                      .item(item)
                      .conditionExpression(
                          "attribute_not_exists(#pk) OR (sent = :no AND claimedAt < :stale)")
                      .expressionAttributeNames(Map.of("#pk", PK))
                      .expressionAttributeValues(
                          Map.of(
                              ":no",
                              AttributeValue.fromBool(false),
                              ":stale",
                              n(staleBefore.toEpochMilli()))));
      return true;
    } catch (ConditionalCheckFailedException claimed) {
      return false;
    }
  }

  /** The claimed attempt is on the queue. */
  public void markDispatched(String name, String runId, int attempt) {
    dynamo
        .get()
        .updateItem(
            b ->
                b.tableName(table)
                    .key(key(name, dispatchKey(runId, attempt)))
                    .updateExpression("SET sent = :yes")
                    .expressionAttributeValues(Map.of(":yes", AttributeValue.fromBool(true))));
  }

  /** Gives a claim back (its send failed: a retried Dispatch must send). */
  public void forgetDispatch(String name, String runId, int attempt) {
    dynamo.get().deleteItem(b -> b.tableName(table).key(key(name, dispatchKey(runId, attempt))));
  }

  /**
   * Removes a claim whose run has moved on, unless it was claimed again meanwhile (its {@code
   * claimedAt} is no longer the one read). A removed claim of an attempt that is still dispatched
   * later only lets that Dispatch send once more, which the attempt's nonce makes harmless.
   */
  public boolean forgetDispatch(String name, Dispatch d) {
    try {
      dynamo
          .get()
          .deleteItem(
              b ->
                  b.tableName(table)
                      .key(key(name, dispatchKey(d.runId(), d.attempt())))
                      .conditionExpression("claimedAt = :c")
                      .expressionAttributeValues(Map.of(":c", n(d.claimedAt()))));
      return true;
    } catch (ConditionalCheckFailedException changed) {
      return false;
    }
  }

  private static String dispatchKey(String runId, int attempt) {
    return DISPATCH + runId + "#a" + attempt;
  }

  /** Removes the agents' reports and the terminated marks (a destroyed pool keeps its record). */
  public void forgetInstances(String name) {
    Snapshot snap = snapshot(name);
    snap.agents().keySet().forEach(id -> forgetAgent(name, id));
    snap.terminated().keySet().forEach(id -> forgetTerminated(name, id));
  }

  private static Map<String, AttributeValue> key(String name, String sk) {
    return Map.of(PK, s(pk(name)), SK, s(sk));
  }

  static String pk(String name) {
    return "pool#" + name;
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v == null ? "" : v);
  }

  private static AttributeValue n(long v) {
    return AttributeValue.fromN(Long.toString(v));
  }

  private static Stored decode(Map<String, AttributeValue> item) {
    String name = str(item, "name");
    String yaml = str(item, "configYaml");
    PoolConfig config = null;
    if (yaml != null) {
      Parsed<PoolConfig> p =
          dev.orchestra.shared.config.ConfigParser.parsePool("stored pool.yml", yaml);
      config = p.findings().isEmpty() ? p.value() : null;
    }
    List<PoolScaler.Refusal> refusals = new ArrayList<>();
    AttributeValue refs = item.get("refusals");
    if (refs != null && refs.hasL()) {
      for (AttributeValue v : refs.l()) {
        refusals.add(
            new PoolScaler.Refusal(
                v.m().get("type").s(),
                PoolScaler.Capacity.valueOf(v.m().get("capacity").s()),
                Instant.parse(v.m().get("at").s())));
      }
    }
    List<String> why = new ArrayList<>();
    AttributeValue w = item.get("lastDecision");
    if (w != null && w.hasL()) {
      w.l().forEach(v -> why.add(v.s()));
    }
    PoolRecord record =
        new PoolRecord(
            name,
            config,
            yaml,
            str(item, "status"),
            blankToNull(str(item, "workQueueUrl")),
            blankToNull(str(item, "instanceProfileArn")),
            blankToNull(str(item, "message")),
            item.containsKey("version") ? Long.parseLong(item.get("version").n()) : 0,
            instant(str(item, "createdAt")),
            instant(str(item, "updatedAt")));
    return new Stored(record, refusals, why, instant(str(item, "lastDecisionAt")));
  }

  private static AgentReport decodeAgent(String pool, Map<String, AttributeValue> item) {
    String id = item.get(SK).s().substring(AGENT.length());
    long since = Long.parseLong(item.get("since").n());
    long at = Long.parseLong(item.get("at").n());
    if (AgentReport.BUSY.equals(str(item, "state"))) {
      return AgentReport.busy(
          pool,
          id,
          str(item, "experimentId"),
          str(item, "runId"),
          Integer.parseInt(item.get("attempt").n()),
          since,
          at);
    }
    return AgentReport.idle(pool, id, since, at);
  }

  private static Instant instant(String s) {
    return s == null || s.isEmpty() ? null : Instant.parse(s);
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String str(Map<String, AttributeValue> item, String k) {
    AttributeValue v = item.get(k);
    return v == null ? null : v.s();
  }
}
