package dev.orchestra.local.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.local.router.LambdaInvoker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Stands in for a Lambda SQS event-source mapping: long-polls a queue and calls the function
 * in-process with the {@code SQSEvent} Lambda would send. Like Lambda with {@code
 * ReportBatchItemFailures}: a response's {@code batchItemFailures} leave those messages on the
 * queue (redelivered after the visibility timeout) and the rest are deleted; a thrown exception, or
 * a failure list naming an unknown or empty id, leaves the whole batch.
 */
public final class SqsPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqsPoller.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WAIT_SECONDS = 1;

  private final SqsClient sqs;
  private final String queueUrl;
  private final String queueArn;
  private final String region;
  private final LambdaInvoker invoker;
  private final String functionName;
  private final int batchSize;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  public SqsPoller(
      SqsClient sqs,
      String queueUrl,
      String queueArn,
      String region,
      LambdaInvoker invoker,
      String functionName,
      int batchSize) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.queueArn = queueArn;
    this.region = region;
    this.invoker = invoker;
    this.functionName = functionName;
    this.batchSize = Math.max(1, Math.min(10, batchSize));
  }

  /** Starts {@code concurrency} polling threads. */
  public synchronized SqsPoller start(int concurrency) {
    running = true;
    for (int i = 0; i < Math.max(1, concurrency); i++) {
      Thread t = new Thread(this::loop, "poller-" + functionName + "-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    return this;
  }

  private void loop() {
    while (running) {
      try {
        List<Message> messages =
            sqs.receiveMessage(
                    b ->
                        b.queueUrl(queueUrl)
                            .maxNumberOfMessages(batchSize)
                            .waitTimeSeconds(WAIT_SECONDS)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                            .messageAttributeNames("All"))
                .messages();
        if (!messages.isEmpty() && running) {
          deliver(messages);
        }
      } catch (RuntimeException e) {
        if (running) {
          LOG.warn("polling {} failed: {}", queueUrl, e.toString());
          pauseAfterError();
        }
      }
    }
  }

  /** Calls the function with one batch and deletes what it processed. */
  void deliver(List<Message> messages) {
    byte[] event =
        SqsEvents.event(messages, queueArn, region).toString().getBytes(StandardCharsets.UTF_8);
    Optional<LambdaInvoker.Result> result = invoker.invoke(functionName, event);
    if (result.isEmpty()) {
      LOG.error("queue {} maps to function {}, which no handler serves", queueUrl, functionName);
      return;
    }
    if (result.get().failed()) {
      LOG.info(
          "function {} failed a batch of {}; it will be redelivered",
          functionName,
          messages.size());
      return;
    }
    Set<String> failed = failures(result.get().payload(), messages);
    if (failed == null) {
      LOG.warn(
          "function {} returned an invalid batchItemFailures; the batch will be redelivered",
          functionName);
      return;
    }
    List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
    for (Message m : messages) {
      if (!failed.contains(m.messageId())) {
        done.add(
            DeleteMessageBatchRequestEntry.builder()
                .id(m.messageId())
                .receiptHandle(m.receiptHandle())
                .build());
      }
    }
    if (!done.isEmpty()) {
      sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
    }
  }

  /** The ids the function reported failed; null when the report is invalid. */
  private static Set<String> failures(byte[] payload, List<Message> messages) {
    Set<String> failed = new HashSet<>();
    JsonNode root;
    try {
      root = JSON.readTree(payload);
    } catch (java.io.IOException e) {
      return failed; // not a partial-batch response: all succeeded
    }
    if (root == null
        || !root.isObject()
        || !root.has("batchItemFailures")
        || root.get("batchItemFailures").isNull()) {
      return failed;
    }
    Set<String> ids = new HashSet<>();
    messages.forEach(m -> ids.add(m.messageId()));
    for (JsonNode f : root.get("batchItemFailures")) {
      JsonNode id = f.get("itemIdentifier");
      if (id == null || !id.isTextual() || id.asText().isEmpty() || !ids.contains(id.asText())) {
        return null;
      }
      failed.add(id.asText());
    }
    return failed;
  }

  private void pauseAfterError() {
    try {
      TimeUnit.MILLISECONDS.sleep(500); // back off after an error; nothing to wait on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Signals the threads to stop; {@link #close()} also waits for them. */
  public void stopAsync() {
    running = false;
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS + 5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
