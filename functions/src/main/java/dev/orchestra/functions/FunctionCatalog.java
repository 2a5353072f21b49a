package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.functions.api.ApiHandler;
import dev.orchestra.functions.cluster.ClusterStepHandler;
import dev.orchestra.functions.experiment.FinalizeHandler;
import dev.orchestra.functions.experiment.PrepareHandler;
import dev.orchestra.functions.experiment.WaitUntilDoneHandler;
import dev.orchestra.functions.intake.IntakeHandler;
import dev.orchestra.functions.pool.PoolTickHandler;
import dev.orchestra.functions.results.ResultsHandler;
import dev.orchestra.functions.run.DispatchHandler;
import dev.orchestra.functions.run.RecordFailureHandler;
import dev.orchestra.functions.run.RecordHandler;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every Lambda function of the control plane by its deployed name. CDK deploys one function per
 * entry; the local runtime's router serves invocations of the same names in-process.
 */
public final class FunctionCatalog {

  /** A function: its name and how to build its handler from configuration. */
  public record Entry(String name, Function<OrchestraConfig, RequestStreamHandler> factory) {}

  public static final String INTAKE = "orchestra-intake";
  public static final String PREPARE = "orchestra-prepare";
  public static final String WAIT_UNTIL_DONE = "orchestra-wait-until-done";
  public static final String FINALIZE = "orchestra-finalize";
  public static final String DISPATCH = "orchestra-dispatch";
  public static final String RECORD = "orchestra-record";
  public static final String RECORD_FAILURE = "orchestra-record-failure";
  public static final String RESULTS = "orchestra-results";

  /** An EC2 pool's scaling tick (scale, reap, interruptions), fired by the pool's schedule. */
  public static final String POOL_TICK = "orchestra-pool-tick";

  /** The REST API: Micronaut controllers behind API Gateway's proxy integration. */
  public static final String API = "orchestra-api";

  /** The cluster state machines' functions: {@code orchestra-cluster-<step>}, one per step. */
  public static String clusterFunction(ClusterStepHandler.Step step) {
    return "orchestra-cluster-" + step.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** {@code ClusterCreateRolesFunctionArn} for {@code CREATE_ROLES}. */
  public static String clusterPlaceholder(ClusterStepHandler.Step step) {
    StringBuilder b = new StringBuilder("Cluster");
    for (String part : step.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return b.append("FunctionArn").toString();
  }

  private static List<Entry> entries() {
    List<Entry> all = new java.util.ArrayList<>(LOOP_ENTRIES);
    for (ClusterStepHandler.Step step : ClusterStepHandler.Step.values()) {
      all.add(new Entry(clusterFunction(step), c -> ClusterStepHandler.of(c, step)));
    }
    return List.copyOf(all);
  }

  private static final List<Entry> LOOP_ENTRIES =
      List.of(
          new Entry(INTAKE, c -> new SqsStreamHandler(new IntakeHandler(new LoopContext(c)))),
          new Entry(PREPARE, c -> new PrepareHandler(new LoopContext(c))),
          new Entry(WAIT_UNTIL_DONE, c -> new WaitUntilDoneHandler(new LoopContext(c))),
          new Entry(FINALIZE, c -> new FinalizeHandler(new LoopContext(c))),
          new Entry(DISPATCH, c -> new DispatchHandler(new LoopContext(c))),
          new Entry(RECORD, c -> new RecordHandler(new LoopContext(c))),
          new Entry(RECORD_FAILURE, c -> new RecordFailureHandler(new LoopContext(c))),
          new Entry(RESULTS, c -> new SqsStreamHandler(new ResultsHandler(new LoopContext(c)))),
          new Entry(POOL_TICK, c -> new PoolTickHandler(new LoopContext(c))),
          new Entry(API, c -> new ApiHandler(new LoopContext(c))));

  private static Map<String, String> placeholders() {
    Map<String, String> all = new java.util.LinkedHashMap<>(LOOP_PLACEHOLDERS);
    for (ClusterStepHandler.Step step : ClusterStepHandler.Step.values()) {
      all.put(clusterPlaceholder(step), clusterFunction(step));
    }
    return Map.copyOf(all);
  }

  private static final Map<String, String> LOOP_PLACEHOLDERS =
      Map.of(
          "PrepareFunctionArn", PREPARE,
          "WaitUntilDoneFunctionArn", WAIT_UNTIL_DONE,
          "FinalizeFunctionArn", FINALIZE,
          "DispatchFunctionArn", DISPATCH,
          "RecordFunctionArn", RECORD,
          "RecordFailureFunctionArn", RECORD_FAILURE);

  private static final List<Entry> ENTRIES = entries();

  /**
   * The {@code ${Placeholder}} of each function's ARN in statemachines/*.asl.json. CDK and the
   * local runtime substitute them with the function's (alias) ARN.
   */
  public static final Map<String, String> ARN_PLACEHOLDERS = placeholders();

  private FunctionCatalog() {}

  public static List<Entry> all() {
    return ENTRIES;
  }

  /** Finds a function by name, or by a Lambda ARN (with or without a qualifier). */
  public static Optional<Entry> find(String nameOrArn) {
    String name = nameOrArn;
    if (name.startsWith("arn:")) {
      String[] parts = name.split(":");
      name = parts.length > 6 ? parts[6] : name;
    } else if (name.contains(":")) {
      name = name.substring(0, name.indexOf(':'));
    }
    String wanted = name;
    return ENTRIES.stream().filter(e -> e.name().equals(wanted)).findFirst();
  }
}
