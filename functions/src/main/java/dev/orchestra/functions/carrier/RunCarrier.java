package dev.orchestra.functions.carrier;

import dev.orchestra.shared.run.ResultMessage;
import dev.orchestra.shared.run.RunContract;
import dev.orchestra.shared.run.RunStorage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries one run attempt: starts the training command ({@code /bin/sh -c}) with the run contract's
 * environment, sends heartbeats while it lives (each also uploading the output so far when it grew,
 * up to {@link RunStorage#PARTIAL_OUTPUT_LIMIT} bytes, so {@code logs --follow} shows progress),
 * then reads the metrics file and sends one result (exit code, metrics, output tail) and uploads
 * the full output to {@code s3://BUCKET/runs/<experiment id>/<run id>/a<attempt>/output.log}
 * ({@link RunStorage#outputKey}). Used by the local process node and meant for the EC2 agent; the
 * reporter container does the same in a pod.
 *
 * <p>The training process never sees the nonce or any carrier variable: its environment is the
 * carrier's own minus every {@code ORCHESTRA_*} variable, plus {@link Attempt#trainingEnv()}, plus
 * a fresh {@code ORCHESTRA_METRICS_FILE}.
 *
 * <p>A released attempt ({@link Running#release()}: the control plane deleted the workload) is
 * killed and sends no result: the control plane has already decided its outcome.
 */
public final class RunCarrier {
  private static final Logger LOG = LoggerFactory.getLogger(RunCarrier.class);

  /** What to run and where to report. */
  public record Attempt(
      String experimentId,
      String runId,
      int attempt,
      String nonce,
      String command,
      Path workdir,
      Map<String, String> trainingEnv,
      String resultsQueueUrl,
      String bucket,
      Duration heartbeatInterval) {

    public String outputKey() {
      return RunStorage.outputKey(experimentId, runId, attempt);
    }
  }

  /** How an attempt ended. {@code released} attempts sent no result. */
  public record Outcome(
      int exitCode, Map<String, Object> metrics, String outputTail, boolean released) {}

  /** A started attempt. */
  public interface Running {
    long pid();

    CompletableFuture<Outcome> completion();

    /** Kills the process tree; no result is sent. Harmless when already finished. */
    void release();
  }

  private final CarrierTransport transport;
  private final ScheduledExecutorService scheduler;
  private final Path scratch;

  /**
   * @param transport where messages and output go
   * @param scheduler runs heartbeats
   * @param scratch a folder for per-attempt metrics and output files
   */
  public RunCarrier(CarrierTransport transport, ScheduledExecutorService scheduler, Path scratch) {
    this.transport = transport;
    this.scheduler = scheduler;
    this.scratch = scratch;
  }

  public Running start(Attempt attempt) throws IOException {
    Files.createDirectories(scratch);
    Path dir =
        Files.createTempDirectory(
            scratch, RunContract.workloadName(attempt.runId(), attempt.attempt()) + "-");
    Path metrics = dir.resolve("metrics.json");
    Path output = dir.resolve("output.log");

    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", attempt.command());
    if (attempt.workdir() != null) {
      pb.directory(attempt.workdir().toFile());
    }
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ORCHESTRA_"));
    env.putAll(attempt.trainingEnv());
    env.put(RunContract.METRICS_FILE, metrics.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(output.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));

    Process process = pb.start();
    LOG.info(
        "run {} attempt {}: started pid {}: {}",
        attempt.runId(),
        attempt.attempt(),
        process.pid(),
        attempt.command());
    OutputUploads uploads = new OutputUploads(attempt, output);
    ScheduledFuture<?> heartbeats =
        scheduler.scheduleAtFixedRate(
            () -> {
              heartbeat(attempt);
              uploads.partial();
            },
            0,
            Math.max(1, attempt.heartbeatInterval().toMillis()),
            TimeUnit.MILLISECONDS);

    AttemptProcess running = new AttemptProcess(process);
    process
        .onExit()
        .whenCompleteAsync(
            (p, err) -> {
              heartbeats.cancel(false);
              try {
                running.completion.complete(
                    finish(attempt, process, running.released, metrics, output, uploads));
              } catch (RuntimeException | IOException e) {
                LOG.error(
                    "run {} attempt {}: could not report the result",
                    attempt.runId(),
                    attempt.attempt(),
                    e);
                running.completion.completeExceptionally(e);
              } finally {
                deleteQuietly(dir);
              }
            },
            scheduler);
    return running;
  }

  /**
   * Reports an attempt this carrier started but can no longer finish, because its process did not
   * survive the carrier (the runtime JVM died): a result with no exit code, which the control plane
   * fails as lost and retries. Throws when the message could not be sent.
   */
  public void reportLost(
      String experimentId,
      String runId,
      int attempt,
      String nonce,
      String resultsQueueUrl,
      String outputTail) {
    transport.send(
        resultsQueueUrl, ResultMessage.lost(experimentId, runId, attempt, nonce, outputTail));
    LOG.info("run {} attempt {}: reported lost", runId, attempt);
  }

  private void heartbeat(Attempt attempt) {
    try {
      transport.send(
          attempt.resultsQueueUrl(),
          ResultMessage.heartbeat(
              attempt.experimentId(), attempt.runId(), attempt.attempt(), attempt.nonce()));
    } catch (RuntimeException e) {
      // A lost heartbeat is retried by the next one; the control plane tolerates gaps.
      LOG.warn(
          "run {} attempt {}: heartbeat not sent: {}",
          attempt.runId(),
          attempt.attempt(),
          e.toString());
    }
  }

  private Outcome finish(
      Attempt attempt,
      Process process,
      boolean released,
      Path metricsFile,
      Path output,
      OutputUploads uploads)
      throws IOException {
    int exit = process.exitValue();
    if (released) {
      LOG.info(
          "run {} attempt {}: released, killed (exit {})",
          attempt.runId(),
          attempt.attempt(),
          exit);
      try {
        uploads.last();
      } catch (RuntimeException e) {
        LOG.warn(
            "run {} attempt {}: output not uploaded: {}",
            attempt.runId(),
            attempt.attempt(),
            e.toString());
      }
      return new Outcome(exit, null, OutputTail.of(output), true);
    }
    MetricsFile.Reading reading = MetricsFile.read(metricsFile);
    String tail = OutputTail.of(output);
    if (reading.problem() != null) {
      tail = OutputTail.withNote(tail, "orchestra: " + reading.problem() + "\n");
    }
    uploads.last();
    transport.send(
        attempt.resultsQueueUrl(),
        ResultMessage.result(
            attempt.experimentId(),
            attempt.runId(),
            attempt.attempt(),
            attempt.nonce(),
            exit,
            reading.metrics(),
            tail));
    LOG.info("run {} attempt {}: exit {}, result sent", attempt.runId(), attempt.attempt(), exit);
    return new Outcome(exit, reading.metrics(), tail, false);
  }

  /**
   * One attempt's output uploads: partial ones from the heartbeat thread while it runs, then the
   * final one. They are serialized, and none follows the final one, so a slow partial upload can
   * never overwrite the whole output.
   */
  private final class OutputUploads {
    private final Attempt attempt;
    private final Path output;
    private long uploaded;
    private boolean ended;

    OutputUploads(Attempt attempt, Path output) {
      this.attempt = attempt;
      this.output = output;
    }

    /** Uploads the output so far when it grew since the last upload (up to the limit). */
    synchronized void partial() {
      if (ended) {
        return;
      }
      try {
        long size = Math.min(Files.size(output), RunStorage.PARTIAL_OUTPUT_LIMIT);
        if (size > uploaded) {
          transport.upload(
              attempt.bucket(),
              attempt.outputKey(),
              output,
              RunStorage.PARTIAL_OUTPUT_LIMIT,
              false);
          uploaded = size;
        }
      } catch (IOException | RuntimeException e) {
        // The next heartbeat tries again; the final upload carries everything anyway.
        LOG.warn(
            "run {} attempt {}: output so far not uploaded: {}",
            attempt.runId(),
            attempt.attempt(),
            e.toString());
      }
    }

    /** Uploads the whole output, marked final; no partial upload follows. */
    synchronized void last() {
      ended = true;
      transport.upload(attempt.bucket(), attempt.outputKey(), output, Long.MAX_VALUE, true);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  private static final class AttemptProcess implements Running {
    private final Process process;
    private final CompletableFuture<Outcome> completion = new CompletableFuture<>();
    private volatile boolean released;

    AttemptProcess(Process process) {
      this.process = process;
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public CompletableFuture<Outcome> completion() {
      return completion;
    }

    @Override
    public void release() {
      released = true;
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  /** The environment a carrier gives training, for callers that build it from a map. */
  public static Map<String, String> trainingOnly(Map<String, String> env) {
    Map<String, String> out = new HashMap<>(env);
    out.keySet()
        .removeIf(
            k ->
                k.equals(RunContract.NONCE)
                    || k.equals(RunContract.ATTEMPT)
                    || k.equals(RunContract.RESULTS_QUEUE_URL)
                    || k.equals(RunContract.BUCKET)
                    || k.equals(RunContract.HEARTBEAT_SECONDS)
                    || k.equals(RunContract.METRICS_FILE));
    return out;
  }
}
