package dev.orchestra.local.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** Builds the {@code SQSEvent} JSON the Lambda service hands a function for a batch of messages. */
public final class SqsEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SqsEvents() {}

  public static ObjectNode event(List<Message> messages, String queueArn, String region) {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    for (Message m : messages) {
      ObjectNode r = records.addObject();
      r.put("messageId", m.messageId());
      r.put("receiptHandle", m.receiptHandle());
      r.put("body", m.body());
      ObjectNode attributes = r.putObject("attributes");
      m.attributesAsStrings().forEach(attributes::put);
      ObjectNode messageAttributes = r.putObject("messageAttributes");
      for (Map.Entry<String, MessageAttributeValue> a : m.messageAttributes().entrySet()) {
        messageAttributes.set(a.getKey(), attribute(a.getValue()));
      }
      r.put("md5OfBody", m.md5OfBody());
      if (m.md5OfMessageAttributes() != null) {
        r.put("md5OfMessageAttributes", m.md5OfMessageAttributes());
      }
      r.put("eventSource", "aws:sqs");
      r.put("eventSourceARN", queueArn);
      r.put("awsRegion", region);
    }
    return event;
  }

  private static ObjectNode attribute(MessageAttributeValue v) {
    ObjectNode a = JSON.createObjectNode();
    if (v.stringValue() != null) {
      a.put("stringValue", v.stringValue());
    }
    if (v.binaryValue() != null) {
      a.put("binaryValue", Base64.getEncoder().encodeToString(v.binaryValue().asByteArray()));
    }
    ArrayNode strings = a.putArray("stringListValues");
    v.stringListValues().forEach(strings::add);
    ArrayNode binaries = a.putArray("binaryListValues");
    v.binaryListValues()
        .forEach(b -> binaries.add(Base64.getEncoder().encodeToString(b.asByteArray())));
    a.put("dataType", v.dataType());
    return a;
  }
}
