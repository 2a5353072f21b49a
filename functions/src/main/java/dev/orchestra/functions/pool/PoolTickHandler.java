package dev.orchestra.functions.pool;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;

/**
 * Invoked by each pool's EventBridge schedule ({@code orchestra-pool-<pool>-tick}, input {@code
 * {"pool": "<name>"}}): one scaling and reaping tick. Output: what the tick did and why.
 */
public final class PoolTickHandler extends JsonHandler {
  private final LoopContext ctx;

  public PoolTickHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public PoolTickHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    return ctx.poolTicks().tick(text(in, "pool"));
  }
}
