package dev.orchestra.functions;

import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.aws.S3Objects;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.experiment.ExperimentService;
import dev.orchestra.functions.experiment.RunIssuer;
import dev.orchestra.functions.experiment.StatusFiles;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.kubernetes.ClusterEndpointResolver;
import dev.orchestra.functions.kubernetes.EksTokenGenerator;
import dev.orchestra.functions.kubernetes.KubernetesClients;
import dev.orchestra.functions.kubernetes.KubernetesDispatchConfig;
import dev.orchestra.functions.kubernetes.KubernetesJobDispatcher;
import dev.orchestra.functions.logs.RunLogs;
import dev.orchestra.functions.pool.PoolInstances;
import dev.orchestra.functions.pool.PoolOperations;
import dev.orchestra.functions.pool.PoolStore;
import dev.orchestra.functions.pool.PoolTickService;
import dev.orchestra.functions.pool.PoolWorkDispatcher;
import dev.orchestra.functions.report.ReportService;
import dev.orchestra.functions.results.ResultsService;
import dev.orchestra.functions.run.RunCompletion;
import dev.orchestra.functions.run.RunService;
import dev.orchestra.functions.run.SuggestService;
import dev.orchestra.functions.run.TimeSettings;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.run.DispatchFailedException;
import dev.orchestra.shared.run.JobSettings;
import dev.orchestra.shared.run.WorkloadDispatcher;

/**
 * The experiment loop's object graph, built from configuration: one per function instance. Every
 * part is built on first use, so a function pays only for the clients it touches.
 */
public final class LoopContext implements AutoCloseable {

  /** The Dispatch port's adapter for a target ({@code cluster/<name>} or {@code pool/<name>}). */
  public interface DispatcherFactory {
    WorkloadDispatcher forTarget(LoopContext ctx, String target);
  }

  /** Kubernetes Jobs on the named cluster. */
  public static final DispatcherFactory KUBERNETES =
      (ctx, target) -> {
        if (!target.startsWith("cluster/")) {
          throw new DispatchFailedException(
              "target "
                  + target
                  + " is not supported: clusters (cluster/NAME) and pools"
                  + " (pool/NAME) are");
        }
        String cluster = target.substring("cluster/".length());
        KubernetesClients clients =
            new KubernetesClients(
                new ClusterEndpointResolver(ctx.config(), ctx.aws()::eks),
                new EksTokenGenerator(ctx.aws().credentials(), ctx.aws().region()));
        // One client per cluster for the function's life (renewed every few minutes): a dispatch
        // does not build a client, resolve the endpoint and connect again.
        return KubernetesJobDispatcher.reusing(
            clients.forCluster(cluster),
            KubernetesDispatchConfig.jobSettings(ctx.config()),
            workload ->
                ctx.store()
                    .credentials(workload.experimentId())
                    .filter(c -> workload.credentialsSecret() != null),
            java.time.Duration.ofMinutes(5));
      };

  /**
   * Every target kind: {@code pool/<name>} puts the run on the pool's work queue ({@link
   * PoolWorkDispatcher}); anything else goes to {@link #KUBERNETES}.
   */
  public static final DispatcherFactory TARGETS =
      (ctx, target) -> {
        if (target.startsWith("pool/")) {
          return new PoolWorkDispatcher(
              target.substring("pool/".length()),
              ctx.pools(),
              ctx.aws()::sqs,
              new PoolInstances(ctx.aws()::ec2),
              (runId, attempt) ->
                  ctx.store()
                      .run(ExperimentIds.experimentOf(runId), runId)
                      .map(r -> r.resultAttempt() != null && r.resultAttempt() == attempt)
                      .orElse(false));
        }
        return KUBERNETES.forTarget(ctx, target);
      };

  private final OrchestraConfig config;
  private final AwsClients aws;
  private final DispatcherFactory dispatchers;
  private DynamoDbExperimentStore store;
  private S3Objects s3;
  private StepFunctions sfn;
  private StatusFiles status;
  private RunCompletion completion;
  private PoolStore pools;
  private final java.util.Map<String, WorkloadDispatcher> dispatcherByTarget =
      new java.util.concurrent.ConcurrentHashMap<>();

  public LoopContext(OrchestraConfig config) {
    this(config, TARGETS);
  }

  public LoopContext(OrchestraConfig config, DispatcherFactory dispatchers) {
    this(config, new AwsClients(config), dispatchers);
  }

  /** With these clients (a Lambda's init may already be building some of them). */
  public LoopContext(OrchestraConfig config, AwsClients aws) {
    this(config, aws, TARGETS);
  }

  private LoopContext(OrchestraConfig config, AwsClients aws, DispatcherFactory dispatchers) {
    this.config = config;
    this.aws = aws;
    this.dispatchers = dispatchers;
  }

  public OrchestraConfig config() {
    return config;
  }

  public AwsClients aws() {
    return aws;
  }

  public synchronized DynamoDbExperimentStore store() {
    if (store == null) {
      store = new DynamoDbExperimentStore(aws.dynamo(), config.require(EnvVars.TABLE));
    }
    return store;
  }

  /** The pools table (EC2 pools: records, agents' reports). */
  public synchronized PoolStore pools() {
    if (pools == null) {
      pools = new PoolStore(aws::dynamo, config.require(EnvVars.POOL_TABLE));
    }
    return pools;
  }

  /** The EC2 pools' scaling tick. */
  public PoolTickService poolTicks() {
    double scale = time().scale();
    int heartbeat =
        (int)
            Math.max(
                1,
                Math.round(
                    config
                            .get(EnvVars.HEARTBEAT_SECONDS)
                            .map(Double::parseDouble)
                            .orElse((double) JobSettings.DEFAULT_HEARTBEAT_SECONDS)
                        * scale));
    return new PoolTickService(
        pools(),
        new PoolInstances(aws::ec2),
        aws::ec2,
        aws::sqs,
        new PoolOperations(config, aws).resources(),
        this::store,
        sfn(),
        new PoolTickService.Settings(
            config.require(EnvVars.RESULTS_QUEUE_URL),
            config.require(EnvVars.BUCKET),
            aws.region().id(),
            heartbeat,
            scale),
        java.time.Clock.systemUTC());
  }

  public synchronized S3Objects s3() {
    if (s3 == null) {
      s3 = new S3Objects(aws::s3, config.require(EnvVars.BUCKET));
    }
    return s3;
  }

  public synchronized StepFunctions sfn() {
    if (sfn == null) {
      sfn = new StepFunctions(aws::sfn);
    }
    return sfn;
  }

  public synchronized StatusFiles statusFiles() {
    if (status == null) {
      status = new StatusFiles(s3());
    }
    return status;
  }

  public TimeSettings time() {
    return TimeSettings.from(config);
  }

  public RunIssuer issuer() {
    return new RunIssuer(sfn(), config.require(EnvVars.RUN_STATE_MACHINE_ARN), time());
  }

  public synchronized RunCompletion completion() {
    if (completion == null) {
      completion = new RunCompletion(store(), issuer(), sfn(), statusFiles(), suggest());
    }
    return completion;
  }

  /** The dispatcher of one target, built once per target. */
  public WorkloadDispatcher dispatcher(String target) {
    return dispatcherByTarget.computeIfAbsent(target, t -> dispatchers.forTarget(this, t));
  }

  public SuggestService suggest() {
    return new SuggestService(store(), s3(), SuggestService.SearcherFactory.DEFAULT);
  }

  public ExperimentService experiments() {
    return new ExperimentService(
        store(), issuer(), completion(), statusFiles(), suggest(), reports());
  }

  /** Experiment reports: the store and the bucket. */
  public ReportService reports() {
    return new ReportService(store(), s3(), java.time.Clock.systemUTC());
  }

  /** Run output for {@code logs}: the store and S3 (ranged reads of the bucket). */
  public RunLogs runLogs() {
    return new RunLogs(store(), aws::s3, config.require(EnvVars.BUCKET));
  }

  public RunService runs() {
    return new RunService(store(), suggest(), this::dispatcher, completion(), sfn());
  }

  public ResultsService results() {
    return new ResultsService(
        store(), sfn(), config.get(EnvVars.POOL_TABLE).map(t -> pools()).orElse(null));
  }

  public IntakeService intake() {
    return new IntakeService(
        store(),
        s3(),
        sfn(),
        statusFiles(),
        config.require(EnvVars.EXPERIMENT_STATE_MACHINE_ARN),
        config.get(EnvVars.DEFAULT_CLUSTER).map(c -> "cluster/" + c).orElse(null),
        config.get(EnvVars.AWS_REGION).orElse("us-east-1"));
  }

  @Override
  public void close() {
    aws.close();
  }
}
