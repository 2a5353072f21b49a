package dev.orchestra.functions.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;

/** Invoked by the experiment state machine, states Finalize and MarkFailed (with the error). */
public final class FinalizeHandler extends JsonHandler {
  private final LoopContext ctx;

  public FinalizeHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public FinalizeHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    JsonNode error = in.get("error");
    ctx.experiments()
        .finalize(
            text(in, "experimentId"), error == null || error.isNull() ? null : error.toString());
    return null;
  }
}
