package dev.orchestra.functions.experiment;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.run.TimeSettings;
import dev.orchestra.functions.store.ExperimentRecord;

/** Starts a run's execution, named by its run id (a repeated start is harmless). */
public class RunIssuer {
  private final StepFunctions sfn;
  private final String runStateMachineArn;
  private final TimeSettings time;

  public RunIssuer(StepFunctions sfn, String runStateMachineArn, TimeSettings time) {
    this.sfn = sfn;
    this.runStateMachineArn = runStateMachineArn;
    this.time = time;
  }

  public void start(ExperimentRecord exp, String runId) {
    sfn.start(
        runStateMachineArn,
        runId,
        Json.write(time.firstAttempt(exp.id(), runId, exp.plan().maxRunMinutes())));
  }
}
