package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.functions.api.ApiHandler;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.aws.AwsClients.Client;
import dev.orchestra.functions.cluster.ClusterContext;
import dev.orchestra.functions.cluster.ClusterStepHandler;
import dev.orchestra.functions.experiment.FinalizeHandler;
import dev.orchestra.functions.experiment.PrepareHandler;
import dev.orchestra.functions.experiment.WaitUntilDoneHandler;
import dev.orchestra.functions.intake.IntakeHandler;
import dev.orchestra.functions.kubernetes.ClusterEndpointResolver;
import dev.orchestra.functions.pool.PoolTickHandler;
import dev.orchestra.functions.results.ResultsHandler;
import dev.orchestra.functions.run.DispatchHandler;
import dev.orchestra.functions.run.RecordFailureHandler;
import dev.orchestra.functions.run.RecordHandler;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Every Lambda function of the control plane by its deployed name. CDK deploys one function per
 * entry; the local runtime's router serves invocations of the same names in-process.
 */
public final class FunctionCatalog {

  /**
   * A function: its name, the SDK clients every invocation of it uses under a configuration (its
   * Lambda init builds them ahead, see {@link LambdaEntry}), and how to build its handler from
   * configuration and clients.
   */
  public record Entry(
      String name,
      Function<OrchestraConfig, Set<Client>> clients,
      BiFunction<OrchestraConfig, AwsClients, RequestStreamHandler> factory) {

    /** The handler, with clients of its own that it builds on first use. */
    public RequestStreamHandler handler(OrchestraConfig config) {
      return factory.apply(config, new AwsClients(config));
    }
  }

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
      all.add(
          new Entry(
              clusterFunction(step),
              c -> clusterClients(step, c),
              (c, aws) -> ClusterStepHandler.of(c, step, aws)));
    }
    return List.copyOf(all);
  }

  /**
   * The clients every invocation of a cluster step uses. EC2 only for FindSubnets without
   * configured subnets (it looks up the default ones); EKS for BootstrapKubernetes only when it
   * finds the cluster's endpoint through EKS, not through a configured one.
   */
  static Set<Client> clusterClients(ClusterStepHandler.Step step, OrchestraConfig config) {
    return switch (step) {
      case VALIDATE, PLAN_UPDATE, ADVANCE_UPDATE, UPDATE_FAILED, IDLE_CHECK ->
          EnumSet.of(Client.DYNAMODB);
      case CREATE_ROLES -> EnumSet.of(Client.DYNAMODB, Client.IAM);
      case FIND_SUBNETS ->
          ClusterContext.subnetIds(config).isEmpty()
              ? EnumSet.of(Client.EC2)
              : EnumSet.noneOf(Client.class);
      case CREATE_CLUSTER -> EnumSet.of(Client.DYNAMODB, Client.EKS);
      case CLUSTER_STATUS, NODEGROUPS_STATUS, DESTROY_CLUSTER -> EnumSet.of(Client.EKS);
      case CREATE_ACCESS_ENTRIES, CREATE_NODEGROUPS ->
          EnumSet.of(Client.DYNAMODB, Client.EKS, Client.IAM);
      case CREATE_ADDONS, ROLLBACK_NODEGROUPS, DESTROY_NODEGROUPS ->
          EnumSet.of(Client.DYNAMODB, Client.EKS);
      case BOOTSTRAP_KUBERNETES ->
          ClusterEndpointResolver.overridden(config)
              ? EnumSet.of(Client.DYNAMODB)
              : EnumSet.of(Client.DYNAMODB, Client.EKS);
      case FINISH_CREATE -> EnumSet.of(Client.DYNAMODB, Client.EVENTBRIDGE);
      case ROLLBACK_CLUSTER -> EnumSet.of(Client.DYNAMODB, Client.EKS, Client.EVENTBRIDGE);
      case ROLLBACK_REST -> EnumSet.of(Client.DYNAMODB, Client.IAM);
      case DESTROY_ROLES -> EnumSet.of(Client.DYNAMODB, Client.EVENTBRIDGE, Client.IAM);
    };
  }

  private static Function<OrchestraConfig, Set<Client>> always(Client first, Client... rest) {
    Set<Client> set = Collections.unmodifiableSet(EnumSet.of(first, rest));
    return c -> set;
  }

  private static Entry loop(
      String name,
      Function<OrchestraConfig, Set<Client>> clients,
      Function<LoopContext, RequestStreamHandler> handler) {
    return new Entry(name, clients, (c, aws) -> handler.apply(new LoopContext(c, aws)));
  }

  private static final List<Entry> LOOP_ENTRIES =
      List.of(
          loop(
              INTAKE,
              always(Client.DYNAMODB, Client.S3),
              ctx -> new SqsStreamHandler(new IntakeHandler(ctx))),
          loop(PREPARE, always(Client.DYNAMODB), PrepareHandler::new),
          loop(WAIT_UNTIL_DONE, always(Client.DYNAMODB), WaitUntilDoneHandler::new),
          loop(FINALIZE, always(Client.DYNAMODB), FinalizeHandler::new),
          loop(DISPATCH, always(Client.DYNAMODB), DispatchHandler::new),
          loop(RECORD, always(Client.DYNAMODB), RecordHandler::new),
          loop(RECORD_FAILURE, always(Client.DYNAMODB), RecordFailureHandler::new),
          loop(
              RESULTS,
              always(Client.DYNAMODB),
              ctx -> new SqsStreamHandler(new ResultsHandler(ctx))),
          loop(POOL_TICK, always(Client.DYNAMODB, Client.EC2), PoolTickHandler::new),
          loop(API, always(Client.DYNAMODB), ApiHandler::new));

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
