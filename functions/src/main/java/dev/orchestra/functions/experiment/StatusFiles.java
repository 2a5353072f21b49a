package dev.orchestra.functions.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.S3Objects;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.shared.config.Finding;
import java.time.Instant;
import java.util.List;

/**
 * {@code experiments/<folder>/experiment.status.json}: what a user who dropped a file sees. Written
 * at intake (accepted or rejected), on progress, and at the end. Never holds secrets: it is built
 * only from the stored (redacted) record.
 */
public class StatusFiles {
  private final S3Objects s3;

  public StatusFiles(S3Objects s3) {
    this.s3 = s3;
  }

  /** The status key beside a dropped experiment.yml. */
  public static String keyFor(String experimentKey) {
    int slash = experimentKey.lastIndexOf('/');
    return experimentKey.substring(0, slash + 1) + "experiment.status.json";
  }

  /** The document. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Status(
      @JsonProperty("experiment") String experiment,
      @JsonProperty("name") String name,
      @JsonProperty("status") String status,
      @JsonProperty("findings") List<Finding> findings,
      @JsonProperty("progress") Progress progress,
      @JsonProperty("best") Object best,
      @JsonProperty("error") String error,
      @JsonProperty("updated") String updated) {}

  /** Counts as the experiment record has them. */
  public record Progress(
      @JsonProperty("budget") int budget,
      @JsonProperty("issued") int issued,
      @JsonProperty("running") int running,
      @JsonProperty("succeeded") int succeeded,
      @JsonProperty("failed") int failed) {}

  public void rejected(String bucket, String key, String id, String name, List<Finding> findings) {
    write(
        bucket,
        key,
        new Status(id, name, "rejected", findings, null, null, null, Instant.now().toString()));
  }

  public void progress(ExperimentRecord e) {
    if (e.statusKey() == null) {
      return;
    }
    write(
        e.bucket(),
        e.statusKey(),
        new Status(
            e.id(),
            e.name(),
            e.status().wire(),
            null,
            new Progress(e.plan().budget(), e.issued(), e.running(), e.succeeded(), e.failed()),
            e.best() == null ? null : Json.readList(e.best()),
            e.error(),
            Instant.now().toString()));
  }

  private void write(String bucket, String key, Status status) {
    s3.put(bucket == null ? s3.bucket() : bucket, key, Json.write(status), "application/json");
  }
}
