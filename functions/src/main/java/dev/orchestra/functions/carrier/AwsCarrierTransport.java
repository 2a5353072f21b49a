package dev.orchestra.functions.carrier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.shared.run.ResultMessage;
import dev.orchestra.shared.run.RunStorage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The carrier's transport over the AWS SDK: results to SQS, output to S3. */
public final class AwsCarrierTransport implements CarrierTransport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SqsClient sqs;
  private final S3Client s3;

  public AwsCarrierTransport(SqsClient sqs, S3Client s3) {
    this.sqs = sqs;
    this.s3 = s3;
  }

  @Override
  public void send(String queueUrl, ResultMessage message) {
    String body;
    try {
      body = JSON.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("result message does not serialize: " + e.getMessage(), e);
    }
    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
  }

  @Override
  public void upload(String bucket, String key, Path file, long maxBytes, boolean complete) {
    RequestBody body;
    try {
      body =
          !complete && Files.size(file) > maxBytes
              ? RequestBody.fromBytes(firstBytes(file, (int) Math.min(maxBytes, Integer.MAX_VALUE)))
              : RequestBody.fromFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the run output " + file, e);
    }
    s3.putObject(
        b ->
            b.bucket(bucket)
                .key(key)
                .contentType("text/plain; charset=utf-8")
                .metadata(
                    Map.of(
                        RunStorage.OUTPUT_STATE, complete ? RunStorage.FINAL : RunStorage.PARTIAL)),
        body);
  }

  private static byte[] firstBytes(Path file, int n) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(n);
    }
  }
}
