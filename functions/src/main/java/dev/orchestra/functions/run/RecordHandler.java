package dev.orchestra.functions.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.JsonHandler;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;
import java.util.Map;

/** Invoked by the run state machine, state Record: the observation, then the refill. */
public final class RecordHandler extends JsonHandler {
  private final LoopContext ctx;

  public RecordHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public RecordHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected Object handle(JsonNode in) {
    ctx.runs()
        .record(
            text(in, "experimentId"),
            text(in, "runId"),
            in.get("attempt").asInt(),
            Json.MAPPER.convertValue(
                in.get("result"), new TypeReference<Map<String, Object>>() {}));
    return null;
  }
}
