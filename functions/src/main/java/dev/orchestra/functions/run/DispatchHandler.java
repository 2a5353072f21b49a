package dev.orchestra.functions.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;

/**
 * Invoked by the run state machine, state Dispatch (with a task token): suggests on the first
 * attempt, starts the workload.
 */
public final class DispatchHandler extends JsonHandler {
  private final LoopContext ctx;

  public DispatchHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public DispatchHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    ctx.runs()
        .dispatch(
            text(in, "experimentId"),
            text(in, "runId"),
            in.get("attempt").asInt(),
            text(in, "token"));
    return null;
  }
}
