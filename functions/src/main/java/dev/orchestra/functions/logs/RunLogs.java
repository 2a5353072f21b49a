package dev.orchestra.functions.logs;

import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.Reasons;
import dev.orchestra.shared.experiment.RunNotFoundException;
import dev.orchestra.shared.run.RunStorage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A run attempt's output, read in chunks from {@code runs/<experiment>/<run>/a<attempt>/output.log}
 * (ranged GETs) for {@code logs} and {@code logs --follow}: the caller passes back {@code
 * nextOffset} until {@code complete}.
 *
 * <p>{@code complete} means the attempt has ended, the output object is the last one it will get,
 * and {@code nextOffset} reached its end. The last one: marked final by its carrier, or — when the
 * attempt ended without its carrier finishing it (lost, heartbeat lost) or the carrier reported the
 * result itself (it uploads before it reports) — whatever is there. Only an attempt the control
 * plane ended (timeout, stopped, interrupted) waits for its carrier's final upload.
 */
public class RunLogs {
  /** At most this many bytes of output per chunk. */
  public static final int MAX_CHUNK_BYTES = 1024 * 1024;

  /** Reasons for which the control plane ended the attempt and its carrier still uploads. */
  private static final Set<String> RELEASED =
      Set.of(Reasons.TIMEOUT, Reasons.STOPPED, Reasons.INTERRUPTED);

  /**
   * One chunk of output.
   *
   * @param offset the byte offset the text starts at
   * @param nextOffset where the next chunk starts (the text's bytes end there; a chunk never ends
   *     inside a UTF-8 character unless the output does)
   * @param complete nothing will follow: the attempt ended and its whole output was read
   * @param text the bytes from offset to nextOffset as UTF-8 (invalid bytes replaced)
   */
  public record Chunk(
      String runId, int attempt, long offset, long nextOffset, boolean complete, String text) {}

  private final DynamoDbExperimentStore store;
  private final java.util.function.Supplier<S3Client> s3;
  private final String bucket;
  private final int maxChunkBytes;

  public RunLogs(DynamoDbExperimentStore store, S3Client s3, String bucket) {
    this(store, () -> s3, bucket, MAX_CHUNK_BYTES);
  }

  /** With the S3 client built on first use (the API builds it only for a logs request). */
  public RunLogs(
      DynamoDbExperimentStore store, java.util.function.Supplier<S3Client> s3, String bucket) {
    this(store, s3, bucket, MAX_CHUNK_BYTES);
  }

  RunLogs(DynamoDbExperimentStore store, S3Client s3, String bucket, int maxChunkBytes) {
    this(store, () -> s3, bucket, maxChunkBytes);
  }

  private RunLogs(
      DynamoDbExperimentStore store,
      java.util.function.Supplier<S3Client> s3,
      String bucket,
      int maxChunkBytes) {
    this.store = store;
    this.s3 = s3;
    this.bucket = bucket;
    this.maxChunkBytes = maxChunkBytes;
  }

  /**
   * @param attempt the attempt to read, null for the run's current one
   * @param offset the byte offset to read from (0 for the beginning)
   * @throws ExperimentNotFoundException when the experiment is unknown
   * @throws RunNotFoundException when the run, or that attempt of it, is unknown
   * @throws IllegalArgumentException when offset is negative
   */
  public Chunk read(String experimentId, String runId, Integer attempt, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException(
          "offset " + offset + " is negative; pass 0 or a next_offset a previous chunk returned");
    }
    if (store.experiment(experimentId).isEmpty()) {
      throw new ExperimentNotFoundException(experimentId);
    }
    RunRecord run =
        store
            .run(experimentId, runId)
            .orElseThrow(() -> new RunNotFoundException(experimentId, runId));
    int current = Math.max(1, run.attempt());
    int a = attempt == null ? current : attempt;
    if (a < 1 || a > current) {
      throw new RunNotFoundException(experimentId, runId, a, current);
    }
    boolean ended = a < current || run.status().isFinal();
    String reason = a < current ? reasonOf(run, a) : run.reason();

    Output out = fetch(RunStorage.outputKey(experimentId, runId, a), offset);
    long next = offset + out.bytes.length;
    boolean atEnd = next >= out.size;
    boolean last =
        !out.exists
            || !RunStorage.PARTIAL.equals(out.state)
            || reason == null
            || !RELEASED.contains(reason);
    boolean complete = ended && atEnd && last;
    return new Chunk(
        runId, a, offset, next, complete, new String(out.bytes, StandardCharsets.UTF_8));
  }

  private static String reasonOf(RunRecord run, int attempt) {
    return run.attempts().stream()
        .filter(x -> x.attempt() == attempt)
        .map(RunRecord.Attempt::reason)
        .findFirst()
        .orElse(null);
  }

  /** What one ranged read found. {@code size} is the object's whole size (0 when absent). */
  private record Output(boolean exists, long size, String state, byte[] bytes) {}

  private Output fetch(String key, long offset) {
    try {
      ResponseBytes<GetObjectResponse> got =
          s3.get()
              .getObjectAsBytes(
                  b ->
                      b.bucket(bucket)
                          .key(key)
                          .range("bytes=" + offset + "-" + (offset + maxChunkBytes - 1)));
      GetObjectResponse r = got.response();
      byte[] bytes = got.asByteArray();
      long size = totalSize(r.contentRange(), offset + bytes.length);
      if (bytes.length > maxChunkBytes) {
        // A server that ignores Range sends the whole object.
        bytes = Arrays.copyOfRange(bytes, (int) Math.min(offset, bytes.length), bytes.length);
        bytes = Arrays.copyOf(bytes, Math.min(bytes.length, maxChunkBytes));
      }
      if (offset + bytes.length < size) {
        bytes = Arrays.copyOf(bytes, bytes.length - incompleteTail(bytes));
      }
      return new Output(true, size, state(r.metadata()), bytes);
    } catch (NoSuchKeyException missing) {
      return new Output(false, 0, null, new byte[0]);
    } catch (S3Exception e) {
      if (e.statusCode() != 416) {
        throw e;
      }
      // The offset is at (or past) the end: nothing to read, but the state still matters.
      try {
        HeadObjectResponse head = s3.get().headObject(b -> b.bucket(bucket).key(key));
        return new Output(true, head.contentLength(), state(head.metadata()), new byte[0]);
      } catch (NoSuchKeyException missing) {
        return new Output(false, 0, null, new byte[0]);
      }
    }
  }

  private static String state(Map<String, String> metadata) {
    return metadata == null ? null : metadata.get(RunStorage.OUTPUT_STATE);
  }

  /** {@code bytes 0-99/1234} → 1234; without a range header, what was read is all there is. */
  static long totalSize(String contentRange, long read) {
    if (contentRange != null) {
      int slash = contentRange.lastIndexOf('/');
      if (slash >= 0 && !contentRange.endsWith("*")) {
        return Long.parseLong(contentRange.substring(slash + 1).trim());
      }
    }
    return read;
  }

  /**
   * How many bytes at the end of {@code b} are the start of a UTF-8 character that continues past
   * it (0 when it ends on a character boundary).
   */
  static int incompleteTail(byte[] b) {
    int n = b.length;
    for (int back = 1; back <= Math.min(3, n); back++) {
      int v = b[n - back] & 0xff;
      if ((v & 0xC0) == 0x80) {
        continue; // a continuation byte: look further back for the lead byte
      }
      int need = v >= 0xF0 ? 4 : v >= 0xE0 ? 3 : v >= 0xC0 ? 2 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }
}
