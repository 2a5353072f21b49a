package dev.orchestra.functions.results;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.OrchestraConfig;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invoked by the results queue (SQS event source with ReportBatchItemFailures): heartbeats and
 * results from carriers, and pool agents' reports. A message that cannot be parsed or is rejected
 * is logged and dropped; one that failed for a transient reason is reported back for redelivery.
 */
public final class ResultsHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsHandler.class);
  private final LoopContext ctx;

  public ResultsHandler() {
    this(new LoopContext(OrchestraConfig.fromEnvironment()));
  }

  public ResultsHandler(LoopContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
    ResultsService service = ctx.results();
    for (SQSEvent.SQSMessage m : event.getRecords()) {
      try {
        service.handle(m.getBody());
      } catch (IllegalArgumentException bad) {
        LOG.warn("dropped message {}: not a result message or agent report", m.getMessageId());
      } catch (RuntimeException e) {
        LOG.warn("message {} will be retried: {}", m.getMessageId(), e.toString());
        failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
      }
    }
    return new SQSBatchResponse(failures);
  }
}
