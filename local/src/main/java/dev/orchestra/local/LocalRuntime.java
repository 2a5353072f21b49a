package dev.orchestra.local;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.carrier.AwsCarrierTransport;
import dev.orchestra.functions.carrier.RunCarrier;
import dev.orchestra.local.events.SqsPoller;
import dev.orchestra.local.k8s.MockKubernetes;
import dev.orchestra.local.moto.MotoServer;
import dev.orchestra.local.node.ProcessNode;
import dev.orchestra.local.plan.PlanApplier;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.router.FunctionResolver;
import dev.orchestra.local.router.LambdaInvoker;
import dev.orchestra.local.router.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local runtime in one object: moto (a subprocess, or attached), and in this JVM the router,
 * the SQS pollers, the mock Kubernetes API and the process node, with the control plane's resources
 * created. It is what {@code orchestra local up} runs in its runtime JVM and the harness
 * integration tests start and {@link #close()}:
 *
 * <pre>{@code
 * try (LocalRuntime rt = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.05)))) {
 *   rt.awsEndpoint();   // give this to every SDK client
 *   rt.config();        // what the handlers got
 * }
 * }</pre>
 */
public final class LocalRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalRuntime.class);
  private static final Duration MOTO_START = Duration.ofSeconds(60);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private LocalEnvironment environment;
  private OrchestraConfig config;
  private MotoServer moto;
  private Router router;
  private MockKubernetes kubernetes;
  private ProcessNode processNode;
  private dev.orchestra.local.pool.LocalMachines machines;
  private LocalAwsClients aws;
  private LambdaInvoker invoker;
  private final List<SqsPoller> pollers = new ArrayList<>();
  private Path stateDir;
  private dev.orchestra.local.api.ApiListener api;

  /** How long a restarted runtime waits for its lost-attempt reports to be taken. */
  private static final Duration LOST_REPORTS_TAKEN = Duration.ofSeconds(5);

  private LocalRuntime() {}

  public static LocalRuntime start(LocalRuntimeOptions options) throws IOException {
    LocalRuntime rt = new LocalRuntime();
    try {
      rt.boot(options);
      return rt;
    } catch (IOException | RuntimeException e) {
      rt.close();
      throw e;
    }
  }

  private void boot(LocalRuntimeOptions options) throws IOException {
    if (options.stateDir() != null) {
      stateDir = options.stateDir();
    } else {
      stateDir = Files.createTempDirectory("orchestra-local-");
      Path owned = stateDir;
      resources.add(() -> deleteTree(owned));
    }
    Files.createDirectories(stateDir);
    int motoPort = options.motoPort() > 0 ? options.motoPort() : freePort();
    int routerPort = options.routerPort() > 0 ? options.routerPort() : freePort();

    // In-process handlers build SDK clients with the default credentials chain; in AWS the Lambda
    // environment supplies credentials, here these dummy ones (moto accepts any). Set only when
    // absent so a caller's own choice wins.
    setIfAbsent("aws.accessKeyId", "test");
    setIfAbsent("aws.secretAccessKey", "test");
    setIfAbsent("aws.region", options.region());

    if (options.attachMoto()) {
      moto = MotoServer.attach(motoPort, MOTO_START);
    } else {
      // Launched first: moto takes seconds to import, meanwhile the rest starts.
      moto =
          MotoServer.launch(
              new MotoServer.Launch(
                  options.python(),
                  motoPort,
                  routerPort,
                  stateDir,
                  stateDir.resolve("moto.log"),
                  false,
                  ProcessHandle.current().pid()));
    }
    kubernetes = MockKubernetes.start(options.kubernetesPort());
    environment =
        new LocalEnvironment(
            options.region(),
            LocalEnvironment.ACCOUNT_ID,
            "http://127.0.0.1:" + routerPort,
            kubernetes.endpoint(),
            options.timeScale());
    ResourcePlan plan = options.plan().plan(environment);
    Map<String, String> values = new LinkedHashMap<>(environment.baseConfig());
    values.putAll(plan.config());
    config = new OrchestraConfig(values);
    FunctionResolver functions = options.functions().apply(config);
    invoker = new LambdaInvoker(functions, environment.region(), environment.accountId());

    router = new Router(routerPort, motoPort, invoker, options.gapFillers()).start();
    moto.awaitReady(MOTO_START);
    aws = new LocalAwsClients(environment.awsEndpoint(), environment.region());
    new PlanApplier(environment, aws.dynamo(), aws.sqs(), aws.s3(), aws.sfn(), aws.iam())
        .apply(plan);
    for (ResourcePlan.EventSource source : plan.eventSources()) {
      pollers.add(
          new SqsPoller(
                  aws.sqs(),
                  environment.queueUrl(source.queueName()),
                  environment.queueArn(source.queueName()),
                  environment.region(),
                  invoker,
                  source.functionName(),
                  source.batchSize())
              .start(source.concurrency()));
    }
    // moto stores EventBridge schedules but never fires them: this stand-in does (idle checks).
    resources.add(
        new dev.orchestra.local.events.RuleScheduler(aws.events(), invoker, options.timeScale())
            .start());
    ScheduledExecutorService carrierThreads =
        Executors.newScheduledThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "carrier");
              t.setDaemon(true);
              return t;
            });
    resources.add(carrierThreads::shutdownNow);
    RunCarrier carrier =
        new RunCarrier(
            new AwsCarrierTransport(aws.sqs(), aws.s3()), carrierThreads, stateDir.resolve("runs"));
    processNode =
        new ProcessNode(kubernetes.client(), carrier, options.workdir(), stateDir).start();
    // moto's EC2 instances tagged orchestra:pool are the pools' machines, each with its agent.
    machines =
        new dev.orchestra.local.pool.LocalMachines(
                aws.ec2(), aws.sqs(), carrier, options.workdir(), stateDir)
            .start();
    java.util.Set<String> lost = new java.util.LinkedHashSet<>(processNode.lostReportedTo());
    lost.addAll(machines.lostReportedTo());
    lost.forEach(this::awaitTaken);
    router.setReady(true);
    LOG.info(
        "local runtime ready: aws {} (moto {}), kubernetes {}, time scale {}",
        environment.awsEndpoint(),
        motoPort,
        environment.kubernetesEndpoint(),
        environment.timeScale());
  }

  /**
   * Waits (a bounded while) until the results queue holds no message: the lost attempts the node
   * just reported have been taken by the results poller before the engine's retried Lambda calls (a
   * RecordFailure for a heartbeat that timed out meanwhile) are let in.
   */
  private void awaitTaken(String queueUrl) {
    long deadline = System.nanoTime() + LOST_REPORTS_TAKEN.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Map<QueueAttributeName, String> a =
            aws.sqs()
                .getQueueAttributes(
                    b ->
                        b.queueUrl(queueUrl)
                            .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        if ("0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            && "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))) {
          return;
        }
        Thread.sleep(100); // the queue has no event to wait on
      } catch (RuntimeException e) {
        LOG.warn("could not read {}: {}", queueUrl, e.toString());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.info("{} still holds messages; going ready anyway", queueUrl);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /**
   * A free loopback port (for callers that must know ports before starting, e.g. moto's MOTO_PORT).
   */
  public static int freePort() {
    return Ports.free();
  }

  public LocalEnvironment environment() {
    return environment;
  }

  /** The router's URL: the AWS endpoint for every SDK client. */
  public String awsEndpoint() {
    return environment.awsEndpoint();
  }

  public String region() {
    return environment.region();
  }

  public String kubernetesEndpoint() {
    return environment.kubernetesEndpoint();
  }

  /** The configuration the handlers were built with (base config + the plan's). */
  public OrchestraConfig config() {
    return config;
  }

  public Router router() {
    return router;
  }

  public MotoServer moto() {
    return moto;
  }

  public MockKubernetes kubernetes() {
    return kubernetes;
  }

  public ProcessNode processNode() {
    return processNode;
  }

  /** The EC2 pools' machines: moto's tagged instances, each running a local agent. */
  public dev.orchestra.local.pool.LocalMachines machines() {
    return machines;
  }

  /** SDK clients against the router, owned by the runtime (do not close them). */
  public LocalAwsClients aws() {
    return aws;
  }

  /** Invokes functions in-process, exactly as the router does. */
  public LambdaInvoker invoker() {
    return invoker;
  }

  public Path stateDir() {
    return stateDir;
  }

  /**
   * Serves the API function on 127.0.0.1:{@code port} (0: a free port), once; returns its URL.
   * Requests become API Gateway proxy events and go through the same in-process invoker.
   */
  public synchronized String startApi(int port) throws IOException {
    if (api == null) {
      api = new dev.orchestra.local.api.ApiListener(invoker).start(port);
    }
    return api.url();
  }

  /** The local API's URL, or null when {@link #startApi} was not called. */
  public synchronized String apiEndpoint() {
    return api == null ? null : api.url();
  }

  /** Stops everything this runtime started (moto only if it started it), processes first. */
  @Override
  public void close() {
    if (router != null) {
      router.setReady(false);
    }
    closeQuietly(api);
    closeQuietly(processNode);
    closeQuietly(machines);
    pollers.forEach(SqsPoller::stopAsync);
    pollers.forEach(SqsPoller::close);
    closeQuietly(router);
    closeQuietly(aws);
    closeQuietly(kubernetes);
    closeQuietly(moto);
    resources.forEach(LocalRuntime::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("closing {}: {}", c, e.toString());
    }
  }
}
