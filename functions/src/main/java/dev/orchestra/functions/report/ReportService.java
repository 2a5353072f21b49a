package dev.orchestra.functions.report;

import dev.orchestra.functions.aws.S3Objects;
import dev.orchestra.functions.experiment.BestRuns;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import dev.orchestra.shared.report.ReportInput;
import dev.orchestra.shared.report.ReportRenderer;
import dev.orchestra.shared.report.ReportStorage;
import java.time.Clock;
import java.util.List;

/**
 * The experiment report: renders the experiment as the store holds it now, stores it at {@code
 * reports/<experiment id>/report.html} in the stack's bucket and returns it. Called by Finalize (so
 * every finished experiment has its report) and by the API's report endpoint (so a running
 * experiment's report is current).
 */
public class ReportService {
  private final DynamoDbExperimentStore store;
  private final S3Objects s3;
  private final Clock clock;

  public ReportService(DynamoDbExperimentStore store, S3Objects s3, Clock clock) {
    this.store = store;
    this.s3 = s3;
    this.clock = clock;
  }

  /**
   * @throws ExperimentNotFoundException when the store does not hold the experiment
   */
  public String html(String experimentId) {
    ExperimentRecord exp =
        store
            .experiment(experimentId)
            .orElseThrow(() -> new ExperimentNotFoundException(experimentId));
    List<RunRecord> runs = store.runs(experimentId);
    String html = ReportRenderer.render(input(exp, runs, clock));
    s3.put(ReportStorage.key(experimentId), html, ReportStorage.CONTENT_TYPE);
    return html;
  }

  /** The renderer's input from the stored experiment and its runs. */
  static ReportInput input(ExperimentRecord exp, List<RunRecord> runs, Clock clock) {
    List<String> best = BestRuns.of(exp.plan(), runs).stream().map(BestRuns.Entry::run).toList();
    return new ReportInput(
        exp.id(),
        exp.name(),
        exp.status(),
        exp.error(),
        exp.plan().space().metrics(),
        exp.plan().space().parameters(),
        runs.stream()
            .map(
                r ->
                    new ReportInput.Run(
                        r.runId(),
                        r.number(),
                        r.status(),
                        r.attempt(),
                        r.assignments(),
                        r.metrics(),
                        r.reason()))
            .toList(),
        best,
        clock.instant());
  }
}
