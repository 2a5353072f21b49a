package dev.orchestra.functions.experiment;

import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Page;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import java.util.List;

/** What the API reads: experiments and runs, page by page, and the best runs. */
public class ExperimentQueries {
  private final DynamoDbExperimentStore store;

  public ExperimentQueries(DynamoDbExperimentStore store) {
    this.store = store;
  }

  /** An experiment with its best runs: Finalize's list once it ended, else computed now. */
  public record Detail(ExperimentRecord experiment, List<BestRuns.Entry> best) {}

  public Page<ExperimentRecord> experiments(int limit, String afterId) {
    return store.experimentsPage(limit, afterId);
  }

  public ExperimentRecord experiment(String id) {
    return store.experiment(id).orElseThrow(() -> new ExperimentNotFoundException(id));
  }

  public Detail detail(String id) {
    ExperimentRecord exp = experiment(id);
    return new Detail(exp, best(exp));
  }

  public List<BestRuns.Entry> best(String id) {
    return best(experiment(id));
  }

  public Page<RunRecord> runs(String id, int limit, String afterRunId) {
    experiment(id);
    return store.runsPage(id, limit, afterRunId);
  }

  private List<BestRuns.Entry> best(ExperimentRecord exp) {
    if (exp.status().isFinal() && exp.best() != null) {
      return BestRuns.parse(exp.best());
    }
    if (exp.issued() == 0) {
      return List.of();
    }
    return BestRuns.of(exp.plan(), store.runs(exp.id()));
  }
}
