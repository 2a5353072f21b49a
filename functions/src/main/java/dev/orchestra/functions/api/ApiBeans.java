package dev.orchestra.functions.api;

import dev.orchestra.functions.LoopContext;
import dev.orchestra.functions.cluster.ClusterOperations;
import dev.orchestra.functions.experiment.ExperimentQueries;
import dev.orchestra.functions.experiment.ExperimentStopper;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.shared.EnvVars;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/**
 * The services the controllers call, built from the function's {@link LoopContext} (which {@link
 * ApiHandler} registers): the same object graph the other functions use, clients built lazily.
 */
@Factory
public class ApiBeans {

  @Singleton
  IntakeService intake(LoopContext ctx) {
    return ctx.intake();
  }

  @Singleton
  ExperimentQueries queries(LoopContext ctx) {
    return new ExperimentQueries(ctx.store());
  }

  @Singleton
  dev.orchestra.functions.report.ReportService reports(LoopContext ctx) {
    return ctx.reports();
  }

  @Singleton
  dev.orchestra.functions.logs.RunLogs runLogs(LoopContext ctx) {
    return ctx.runLogs();
  }

  @Singleton
  ClusterOperations clusters(LoopContext ctx) {
    return new ClusterOperations(ctx.config(), ctx.aws());
  }

  @Singleton
  dev.orchestra.functions.pool.PoolOperations pools(LoopContext ctx) {
    return new dev.orchestra.functions.pool.PoolOperations(ctx.config(), ctx.aws());
  }

  @Singleton
  ExperimentStopper stopper(LoopContext ctx) {
    return new ExperimentStopper(
        ctx.store(),
        ctx.sfn(),
        ctx::dispatcher,
        ctx.completion(),
        ctx.config().require(EnvVars.RUN_STATE_MACHINE_ARN));
  }
}
