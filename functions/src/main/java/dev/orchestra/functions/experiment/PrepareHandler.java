package dev.orchestra.functions.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;

/**
 * Invoked by the experiment state machine, state Prepare: marks the experiment running and seeds
 * its first runs.
 */
public final class PrepareHandler extends JsonHandler {
  private final LoopContext ctx;

  public PrepareHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public PrepareHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    ctx.experiments().prepare(text(in, "experimentId"));
    return null;
  }
}
