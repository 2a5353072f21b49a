package dev.orchestra.functions.experiment;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.report.ReportService;
import dev.orchestra.functions.run.RunCompletion;
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

  public ExperimentService(
      DynamoDbExperimentStore store,
      RunIssuer issuer,
      RunCompletion completion,
      StatusFiles status,
      ReportService reports) {
    this.store = store;
    this.issuer = issuer;
    this.completion = completion;
    this.status = status;
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
    for (int number = 1; number <= seed; number++) {
      exp = experiment(experimentId);
      if (exp.issued() < number) {
        if (!Accounting.mayIssue(exp.plan(), exp.counters())) {
          break;
        }
        IssueResult r =
            store.issueRun(experimentId, ExperimentIds.runId(experimentId, number), number);
        if (r == IssueResult.REFUSED) {
          break;
        }
      }
    }
    exp = experiment(experimentId);
    for (int number = 1; number <= Math.min(seed, exp.issued()); number++) {
      issuer.start(exp, ExperimentIds.runId(experimentId, number));
    }
    status.progress(exp);
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
    ExperimentRecord exp = experiment(experimentId);
    List<RunRecord> runs = store.runs(experimentId);
    ExperimentStatus end =
        error != null
            ? ExperimentStatus.FAILED
            : Accounting.finalStatus(exp.plan(), exp.counters());
    if (error != null) {
      store.requestStop(experimentId);
    }
    String best = Json.write(BestRuns.of(exp.plan(), runs));
    store.finish(experimentId, end, best, error);
    status.progress(experiment(experimentId));
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
