package dev.orchestra.functions.carrier;

import dev.orchestra.shared.run.ResultMessage;
import java.nio.file.Path;

/** Where a carrier sends its messages and uploads a run's output (SQS and S3 in practice). */
public interface CarrierTransport {

  /** Sends one heartbeat or result to the results queue. */
  void send(String queueUrl, ResultMessage message);

  /** Uploads a run's full output. */
  void upload(String bucket, String key, Path file);
}
