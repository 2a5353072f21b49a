package dev.orchestra.functions.experiment;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.report.ReportService;
import dev.orchestra.functions.run.RunCompletion;
import dev.orchestra.functions.run.SuggestService;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.IssueResult;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.Accounting;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.experiment.ExperimentStatus;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The experiment state machine's steps: Prepare (with SeedRuns), WaitUntilDone, Finalize. */
public class ExperimentService {
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentService.class);

  private final DynamoDbExperimentStore store;
  private final RunIssuer issuer;
  private final RunCompletion completion;
  private final StatusFiles status;
  private final ReportService reports;
  private final SuggestService suggest;

  /**
   * @param suggest suggests each seed run's assignments as it is issued; null to leave them to the
   *     runs' Dispatch
   */
  public ExperimentService(
      DynamoDbExperimentStore store,
      RunIssuer issuer,
      RunCompletion completion,
      StatusFiles status,
      SuggestService suggest,
      ReportService reports) {
    this.store = store;
    this.issuer = issuer;
    this.completion = completion;
    this.status = status;
    this.suggest = suggest;
    this.reports = reports;
  }

  /**
   * Prepare and SeedRuns: marks the experiment running and issues runs 1..min(parallel_bandwidth,
   * budget), each through the store's conditional transaction, then starts their executions. A
   * retried call issues nothing twice and re-starts only executions that already exist (harmless).
   */
  public void prepare(String experimentId) {
    ExperimentRecord exp = experiment(experimentId);
    if (exp.status().isFinal()) {
      return;
    }
    store.markRunning(experimentId);
    int seed = Math.min(exp.plan().parallelBandwidth(), exp.plan().budget());
    boolean seeded = suggest != null && issueSeedsAtOnce(experimentId, seed);
    // Issues what is still missing, one run at a time (after a refused or partial first try).
    for (int number = 1; !seeded && number <= seed; number++) {
      DynamoDbExperimentStore.Partition read =
          store
              .partition(experimentId)
              .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
      exp = read.experiment();
      if (exp.issued() < number) {
        if (!Accounting.mayIssue(exp.plan(), exp.counters())) {
          break;
        }
        String runId = ExperimentIds.runId(experimentId, number);
        // Each seed is issued with its suggestion (seeds issued earlier are pending), so the seeds'
        // Dispatches do not race each other on the optimizer version.
        DynamoDbExperimentStore.Suggestion suggestion =
            suggest == null ? null : suggest.suggest(exp, read.runs(), runId, null).orElse(null);
        IssueResult r = store.issueRun(experimentId, runId, number, suggestion);
        if (r == IssueResult.REFUSED && suggestion != null) {
          // The version moved (a retried Prepare raced a seed's Dispatch): issue it bare.
          r = store.issueRun(experimentId, runId, number);
        }
        if (r == IssueResult.REFUSED) {
          break;
        }
      }
    }
    exp = experiment(experimentId);
    ExperimentRecord issued = exp;
    // The seeds' executions start concurrently (each start is one round trip).
    java.util.stream.IntStream.rangeClosed(1, Math.min(seed, exp.issued()))
        .parallel()
        .forEach(number -> issuer.start(issued, ExperimentIds.runId(experimentId, number)));
    status.progress(exp);
  }

  /**
   * The seeds with their suggestions in one transaction, when nothing was issued yet; a refusal
   * (stopped, concurrently issued, a retried call) leaves it to the run-by-run loop.
   *
   * @return true when this call issued every seed
   */
  private boolean issueSeedsAtOnce(String experimentId, int seed) {
    DynamoDbExperimentStore.Partition read =
        store
            .partition(experimentId)
            .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    ExperimentRecord exp = read.experiment();
    if (seed < 1
        || exp.issued() != 0
        || !read.runs().isEmpty()
        || !Accounting.mayIssue(exp.plan(), exp.counters())) {
      return false;
    }
    SuggestService.Seeds seeds = suggest.seeds(exp, seed).orElse(null);
    if (seeds == null) {
      return false;
    }
    List<java.util.Map.Entry<String, java.util.Map<String, Object>>> runs =
        new java.util.ArrayList<>();
    for (int number = 1; number <= seed; number++) {
      runs.add(
          java.util.Map.entry(
              ExperimentIds.runId(experimentId, number), seeds.assignments().get(number - 1)));
    }
    return store.issueSeeds(
            experimentId, runs, seeds.fromVersion(), seeds.state(), seeds.stateKey())
        == IssueResult.ISSUED;
  }

  /** WaitUntilDone: keeps the token on the experiment; completes at once if all runs ended. */
  public void waitUntilDone(String experimentId, String token) {
    ExperimentRecord exp = store.storeExperimentToken(experimentId, token);
    completion.signalIfDone(exp);
  }

  /**
   * Finalize (and MarkFailed, with {@code error}): the final status from the counters, the best
   * list, the status file and the report. A report that cannot be rendered or stored is logged and
   * does not fail Finalize: the API renders it again on request.
   */
  public void finalize(String experimentId, String error) {
    // One Query: the experiment and its runs.
    DynamoDbExperimentStore.Partition read =
        store
            .partition(experimentId)
            .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    ExperimentRecord exp = read.experiment();
    List<RunRecord> runs = read.runs();
    ExperimentStatus end =
        error != null
            ? ExperimentStatus.FAILED
            : Accounting.finalStatus(exp.plan(), exp.counters());
    if (error != null) {
      store.requestStop(experimentId);
    }
    String best = Json.write(BestRuns.of(exp.plan(), runs));
    store.finish(experimentId, end, best, error);
    if (exp.statusKey() != null) {
      status.progress(experiment(experimentId));
    }
    try {
      reports.html(experimentId);
    } catch (RuntimeException e) {
      LOG.warn("experiment {}: the report was not stored: {}", experimentId, e.toString());
    }
  }

  private ExperimentRecord experiment(String id) {
    return store.experiment(id).orElseThrow(() -> new ExperimentNotFoundException(id));
  }
}
