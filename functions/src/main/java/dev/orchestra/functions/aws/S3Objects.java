package dev.orchestra.functions.aws;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Small text objects in the Orchestra bucket: status files, specs, optimizer state. */
public class S3Objects {
  private final Supplier<S3Client> s3;
  private final String bucket;

  public S3Objects(S3Client s3, String bucket) {
    this(() -> s3, bucket);
  }

  /**
   * With the client built on first use: a function that never touches the bucket on a path (the
   * API's GET /experiments, a Record that finds no run) does not pay for an S3 client there.
   */
  public S3Objects(Supplier<S3Client> s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  public String bucket() {
    return bucket;
  }

  public void put(String key, String text, String contentType) {
    put(bucket, key, text, contentType);
  }

  public void put(String inBucket, String key, String text, String contentType) {
    s3.get()
        .putObject(
            b -> b.bucket(inBucket).key(key).contentType(contentType),
            RequestBody.fromString(text, StandardCharsets.UTF_8));
  }

  public Optional<String> get(String key) {
    return get(bucket, key);
  }

  public Optional<String> get(String inBucket, String key) {
    try {
      return Optional.of(
          s3.get()
              .getObjectAsBytes(b -> b.bucket(inBucket).key(key))
              .asString(StandardCharsets.UTF_8));
    } catch (NoSuchKeyException missing) {
      return Optional.empty();
    }
  }
}
