package dev.orchestra.functions.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;

/** Invoked by the experiment state machine, state WaitUntilDone (with a task token). */
public final class WaitUntilDoneHandler extends JsonHandler {
  private final LoopContext ctx;

  public WaitUntilDoneHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public WaitUntilDoneHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    ctx.experiments().waitUntilDone(text(in, "experimentId"), text(in, "token"));
    return null;
  }
}
