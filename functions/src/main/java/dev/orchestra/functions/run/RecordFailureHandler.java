package dev.orchestra.functions.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;

/**
 * Invoked by the run state machine, state RecordFailure (Catch of Dispatch): returns the run input,
 * with retry true to dispatch again.
 */
public final class RecordFailureHandler extends JsonHandler {
  private final LoopContext ctx;

  public RecordFailureHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public RecordFailureHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    RunInput input = Json.MAPPER.convertValue(in, RunInput.class);
    JsonNode error = in.path("error");
    return ctx.runs()
        .recordFailure(
            input,
            error.path("Error").asText(null),
            error.path("Cause").isMissingNode() ? null : error.path("Cause").asText(null));
  }
}
