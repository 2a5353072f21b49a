package dev.orchestra.local.node;

import dev.orchestra.functions.carrier.RunCarrier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run attempts one local executor (the process node, or the local EC2 pools' agents) carries as
 * local processes, each recorded in an {@link AttemptLedger} from before its process exists until
 * its result is sent or the control plane released it. A runtime JVM that dies leaves its entries;
 * the next one's {@link #recoverLeftovers()} kills what still runs and reports those attempts lost,
 * so the control plane retries them.
 */
public final class CarriedAttempts {
  private static final Logger LOG = LoggerFactory.getLogger(CarriedAttempts.class);

  /** What a lost attempt's result says in place of the training output. */
  static final String LOST_NOTE =
      "orchestra: the local runtime stopped while this run was in flight; the run is retried\n";

  private final RunCarrier carrier;
  private final AttemptLedger ledger;
  private final Set<String> lostReportedTo = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /**
   * @param ledgerDir where the attempts in flight are recorded (one folder per executor)
   */
  public CarriedAttempts(RunCarrier carrier, Path ledgerDir) {
    this.carrier = carrier;
    this.ledger = new AttemptLedger(ledgerDir);
  }

  /**
   * For each attempt a previous runtime JVM left in the ledger: kills its process tree if it still
   * runs, reports the attempt lost to its results queue (the control plane retries the run with the
   * next attempt), and forgets it. An entry whose report could not be sent stays for the next
   * start.
   *
   * @return how many attempts were reported lost
   */
  public int recoverLeftovers() {
    int reported = 0;
    lostReportedTo.clear();
    for (AttemptLedger.Entry entry : ledger.leftovers()) {
      AttemptLedger.kill(entry);
      try {
        carrier.reportLost(
            entry.experimentId(),
            entry.runId(),
            entry.attempt(),
            entry.nonce(),
            entry.resultsQueueUrl(),
            LOST_NOTE);
        ledger.remove(entry);
        lostReportedTo.add(entry.resultsQueueUrl());
        reported++;
      } catch (RuntimeException e) {
        LOG.warn(
            "run {} attempt {}: could not report it lost, kept for the next start: {}",
            entry.runId(),
            entry.attempt(),
            e.toString());
      }
    }
    if (reported > 0) {
      LOG.info("reported {} attempt(s) lost by a previous runtime", reported);
    }
    return reported;
  }

  /** The results queues {@link #recoverLeftovers()} reported lost attempts to. */
  public Set<String> lostReportedTo() {
    return Set.copyOf(lostReportedTo);
  }

  /**
   * Records an attempt that arrived before it can start (a JVM dying meanwhile must not lose it).
   */
  void arrived(AttemptLedger.Entry entry) {
    ledger.begin(entry);
  }

  /** Forgets an attempt that will not run here. */
  void forget(AttemptLedger.Entry entry) {
    ledger.remove(entry);
  }

  /**
   * Starts the attempt's process, carried by the {@link RunCarrier}, recorded in the ledger before
   * it exists. The entry goes when the result was sent (or could not be), or when the attempt was
   * released, except by {@link #close()}: attempts killed by closing stay, for the next runtime to
   * report lost.
   */
  public RunCarrier.Running start(RunCarrier.Attempt attempt) throws IOException {
    ledger.begin(attempt);
    RunCarrier.Running process;
    try {
      process = carrier.start(attempt);
    } catch (IOException | RuntimeException e) {
      ledger.finish(attempt);
      throw e;
    }
    ledger.started(attempt, process.pid());
    // The caller's completion follows the ledger's bookkeeping: whoever sees the attempt end sees
    // its entry gone.
    CompletableFuture<RunCarrier.Outcome> recorded =
        process
            .completion()
            .whenComplete(
                (outcome, error) -> {
                  if (outcome != null && outcome.released() && closing) {
                    return;
                  }
                  ledger.finish(attempt);
                });
    return new RunCarrier.Running() {
      @Override
      public long pid() {
        return process.pid();
      }

      @Override
      public CompletableFuture<RunCarrier.Outcome> completion() {
        return recorded;
      }

      @Override
      public void release() {
        process.release();
      }
    };
  }

  /** From now on released attempts stay in the ledger (the runtime is stopping). */
  public void close() {
    closing = true;
  }
}
