package dev.orchestra.functions.carrier;

import dev.orchestra.shared.run.ResultMessage;
import java.nio.file.Path;

/** Where a carrier sends its messages and uploads a run's output (SQS and S3 in practice). */
public interface CarrierTransport {

  /** Sends one heartbeat or result to the results queue. */
  void send(String queueUrl, ResultMessage message);

  /**
   * Uploads a run attempt's output: its first {@code maxBytes} bytes marked partial while the
   * attempt runs ({@code complete} false), or the whole file marked final once it ended (see {@link
   * dev.orchestra.shared.run.RunStorage}).
   */
  void upload(String bucket, String key, Path file, long maxBytes, boolean complete);
}
