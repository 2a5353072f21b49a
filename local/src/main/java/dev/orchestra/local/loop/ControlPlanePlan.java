package dev.orchestra.local.loop;

import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.local.LocalEnvironment;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.plan.ResourcePlanProvider;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.run.JobSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The experiment loop's resources in the local runtime, the same the CDK stack declares: the
 * experiments table, the bucket with its S3 → intake-queue notification, the results queue, both
 * state machines (the ASL shipped in the functions jar, placeholders → local function ARNs), the
 * SQS → handler mappings, and the handlers' configuration.
 */
public final class ControlPlanePlan implements ResourcePlanProvider {
  public static final String TABLE = "orchestra-experiments";
  public static final String BUCKET = "orchestra-local";
  public static final String INTAKE_QUEUE = "orchestra-intake";
  public static final String RESULTS_QUEUE = "orchestra-results";
  public static final String EXPERIMENT_MACHINE = "orchestra-experiment";
  public static final String RUN_MACHINE = "orchestra-run";

  @Override
  public ResourcePlan plan(LocalEnvironment env) {
    // A message a dead long poll took (a runtime restart) comes back after the visibility
    // timeout: scaled, so a restart costs seconds in tests, not half a minute.
    String visibility =
        Integer.toString(Math.max(3, (int) Math.round(30 * env.timeScale().factor())));
    ResourcePlan.Builder b =
        ResourcePlan.builder()
            .table(DynamoDbExperimentStore.tableRequest(TABLE))
            .queue(INTAKE_QUEUE, Map.of("VisibilityTimeout", "60"))
            .queue(RESULTS_QUEUE, Map.of("VisibilityTimeout", visibility))
            .bucket(
                BUCKET,
                new ResourcePlan.Notification(
                    INTAKE_QUEUE, List.of("s3:ObjectCreated:*"), "experiments/", "experiment.yml"))
            .stateMachine(EXPERIMENT_MACHINE, asl("experiment.asl.json"))
            .stateMachine(RUN_MACHINE, asl("run.asl.json"))
            .eventSource(INTAKE_QUEUE, FunctionCatalog.INTAKE, 10, 1)
            .eventSource(RESULTS_QUEUE, FunctionCatalog.RESULTS, 10, 4)
            .config(EnvVars.TABLE, TABLE)
            .config(EnvVars.BUCKET, BUCKET)
            .config(EnvVars.RESULTS_QUEUE_URL, env.queueUrl(RESULTS_QUEUE))
            .config(EnvVars.EXPERIMENT_STATE_MACHINE_ARN, env.stateMachineArn(EXPERIMENT_MACHINE))
            .config(EnvVars.RUN_STATE_MACHINE_ARN, env.stateMachineArn(RUN_MACHINE))
            .config(EnvVars.REPORTER_IMAGE, JobSettings.LOCAL_REPORTER_IMAGE)
            // Ten missed heartbeats (every 60 s) fail an attempt; scaled like every wait.
            .config(EnvVars.RUN_HEARTBEAT_TIMEOUT_SECONDS, "600");
    dev.orchestra.local.cluster.ClusterResources.addTo(b, env);
    dev.orchestra.local.pool.PoolResources.addTo(b, env);
    FunctionCatalog.ARN_PLACEHOLDERS.forEach((p, fn) -> b.substitution(p, env.lambdaArn(fn)));
    return b.build();
  }

  /** An ASL template from the functions jar. */
  public static String asl(String file) {
    try (InputStream in =
        FunctionCatalog.class.getClassLoader().getResourceAsStream("statemachines/" + file)) {
      if (in == null) {
        throw new IllegalStateException("statemachines/" + file + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
