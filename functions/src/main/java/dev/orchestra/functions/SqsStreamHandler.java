package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An SQS batch handler as a stream handler: reads the event in the shape the Lambda service sends
 * ({@code Records[].messageId/body/...}) and writes {@code batchItemFailures}, so the catalog can
 * serve it by name in AWS and in the local router alike.
 */
public final class SqsStreamHandler implements RequestStreamHandler {
  private final RequestHandler<SQSEvent, SQSBatchResponse> delegate;

  public SqsStreamHandler(RequestHandler<SQSEvent, SQSBatchResponse> delegate) {
    this.delegate = delegate;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    JsonNode in = Json.MAPPER.readTree(input);
    List<SQSEvent.SQSMessage> records = new ArrayList<>();
    for (JsonNode r : in.path("Records")) {
      SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
      m.setMessageId(r.path("messageId").asText(null));
      m.setReceiptHandle(r.path("receiptHandle").asText(null));
      m.setBody(r.path("body").asText(null));
      m.setEventSource(r.path("eventSource").asText(null));
      m.setEventSourceArn(r.path("eventSourceARN").asText(null));
      m.setAwsRegion(r.path("awsRegion").asText(null));
      records.add(m);
    }
    SQSEvent event = new SQSEvent();
    event.setRecords(records);
    SQSBatchResponse response = delegate.handleRequest(event, context);
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode failures = out.putArray("batchItemFailures");
    for (SQSBatchResponse.BatchItemFailure f : response.getBatchItemFailures()) {
      failures.addObject().put("itemIdentifier", f.getItemIdentifier());
    }
    Json.MAPPER.writeValue(output, out);
  }
}
