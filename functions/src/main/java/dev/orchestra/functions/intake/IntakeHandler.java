package dev.orchestra.functions.intake;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invoked by the intake queue, which carries the bucket's S3 event notifications: each {@code
 * experiments/<folder>/experiment.yml} put becomes an experiment (or a rejected status file).
 * {@code s3:TestEvent} and other keys are ignored; failures are reported per message.
 */
public final class IntakeHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
  private static final Logger LOG = LoggerFactory.getLogger(IntakeHandler.class);
  private final LoopContext ctx;

  public IntakeHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public IntakeHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
    IntakeService intake = ctx.intake();
    for (SQSEvent.SQSMessage m : event.getRecords()) {
      try {
        JsonNode body = Json.MAPPER.readTree(m.getBody());
        if ("s3:TestEvent".equals(body.path("Event").asText())) {
          continue;
        }
        for (JsonNode r : body.path("Records")) {
          if (!r.path("eventName").asText().startsWith("ObjectCreated:")) {
            continue;
          }
          intake.fromDrop(
              r.path("s3").path("bucket").path("name").asText(),
              r.path("s3").path("object").path("key").asText(),
              r.path("s3").path("object").path("eTag").asText(null));
        }
      } catch (Exception e) {
        LOG.warn("intake message {} will be retried: {}", m.getMessageId(), e.toString());
        failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
      }
    }
    return new SQSBatchResponse(failures);
  }
}
