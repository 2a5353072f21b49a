package dev.orchestra.local.pool;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.shared.EnvVars;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The EC2 pools' resources in the local runtime, as the stack declares them: the pools table and
 * the handlers' configuration (the table, and the scaling tick's function ARN that pool create puts
 * on each pool's schedule). Per-pool resources (work queue, instance profile, schedule) are made by
 * pool create itself; the instances are moto's, run by {@link LocalMachines}.
 */
public final class PoolResources {
  public static final String TABLE = "orchestra-pools";

  private PoolResources() {}

  public static void addTo(ResourcePlan.Builder b, LocalEnvironment env) {
    b.table(tableRequest(TABLE))
        .config(EnvVars.POOL_TABLE, TABLE)
        .config(EnvVars.POOL_TICK_FUNCTION_ARN, env.lambdaArn(FunctionCatalog.POOL_TICK));
  }

  /**
   * The pools table: pk {@code pool#<name>}, sk {@code pool}, {@code agent#<id>} or {@code
   * terminated#<id>}. Until the pool store lands this mirrors its key schema; then it becomes
   * {@code PoolStore.tableRequest(table)}.
   */
  static CreateTableRequest tableRequest(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(
            AttributeDefinition.builder()
                .attributeName("pk")
                .attributeType(ScalarAttributeType.S)
                .build(),
            AttributeDefinition.builder()
                .attributeName("sk")
                .attributeType(ScalarAttributeType.S)
                .build())
        .keySchema(
            KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
        .build();
  }
}
