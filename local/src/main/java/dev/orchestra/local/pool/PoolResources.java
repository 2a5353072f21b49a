package dev.orchestra.local.pool;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.pool.PoolStore;
import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.shared.EnvVars;

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
    b.table(PoolStore.tableRequest(TABLE))
        .config(EnvVars.POOL_TABLE, TABLE)
        .config(EnvVars.POOL_TICK_FUNCTION_ARN, env.lambdaArn(FunctionCatalog.POOL_TICK));
  }
}
