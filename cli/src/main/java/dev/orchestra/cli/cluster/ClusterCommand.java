package dev.orchestra.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orchestra.cli.OptimizeCommand;
import dev.orchestra.cli.UserError;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.cluster.ClusterIam;
import dev.orchestra.functions.cluster.ClusterRecord;
import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.functions.kubernetes.ClusterEndpoint;
import dev.orchestra.functions.kubernetes.ClusterEndpointResolver;
import dev.orchestra.functions.kubernetes.EksTokenGenerator;
import dev.orchestra.functions.kubernetes.KubernetesClients;
import dev.orchestra.local.cluster.ClusterResources;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.cluster.TrustPolicies;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ConfigWriter;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.config.Parsed;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

/** {@code orchestra cluster ...}: create, update, destroy and use EKS training clusters. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "Create, update, destroy, test, connect and share training clusters. Today these run on"
            + " the local runtime only (deployed stacks arrive with the API).",
    subcommands = {
      ClusterCommand.Create.class,
      ClusterCommand.Update.class,
      ClusterCommand.Destroy.class,
      ClusterCommand.Status.class,
      ClusterCommand.ListClusters.class,
      ClusterCommand.Test.class,
      ClusterCommand.Connect.class,
      ClusterCommand.Share.class,
      ClusterCommand.Unshare.class
    })
public final class ClusterCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the command runs: the local runtime (the only target today). */
  public static final class Target {
    @Option(names = "--local", description = "Use the local runtime (the default today).")
    boolean local;

    @Option(names = "--endpoint", description = "A deployed Orchestra API (not available yet).")
    String endpoint;

    OrchestraConfig config(PrintWriter err) throws IOException {
      if (endpoint != null) {
        throw new UserError(
            "--endpoint: clusters on a deployed stack are not available yet (they arrive with the"
                + " API); run without --endpoint to use the local runtime");
      }
      return OptimizeCommand.localConfig(err);
    }
  }

  abstract static class Base implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin Target target;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    static ClusterStore store(AwsClients aws, OrchestraConfig config) {
      return new ClusterStore(aws.dynamo(), config.require(EnvVars.CLUSTER_TABLE));
    }

    static ClusterRecord record(ClusterStore store, String name) {
      return store
          .get(name)
          .orElseThrow(
              () ->
                  new UserError(
                      "no cluster named "
                          + name
                          + "; `orchestra cluster list` shows the clusters there are"));
    }
  }

  abstract static class FileCommand extends Base {
    @Option(
        names = {"-f", "--file"},
        required = true,
        description = "cluster.yml")
    Path file;

    @Option(names = "--no-wait", description = "Start the change and return at once.")
    boolean noWait;

    ClusterConfig parse(String text) {
      Parsed<ClusterConfig> p = ConfigParser.parseCluster(file.toString(), text);
      if (!p.findings().isEmpty()) {
        for (Finding f : p.findings()) {
          err().printf("%s %s: %s%n  fix: %s%n", f.file(), f.path(), f.problem(), f.fix());
        }
        err().flush();
        throw new UserError(file + " has " + p.findings().size() + " problem(s); nothing was done");
      }
      return p.value();
    }

    String text() {
      try {
        return Files.readString(file);
      } catch (IOException e) {
        throw new UserError(file + ": cannot read this cluster.yml (" + e.getMessage() + ")");
      }
    }
  }

  /** Starts an execution and, unless told not to, follows it with the current step and time. */
  static int startAndFollow(
      AwsClients aws, String machine, Map<String, Object> input, boolean noWait, PrintWriter err)
      throws IOException {
    String payload = JSON.writeValueAsString(input);
    String arn =
        aws.sfn()
            .startExecution(
                b ->
                    b.stateMachineArn(stateMachineArn(aws, machine))
                        .name(UUID.randomUUID().toString())
                        .input(payload))
            .executionArn();
    err.println("started " + arn);
    err.flush();
    if (noWait) {
      return 0;
    }
    Instant start = Instant.now();
    String lastStep = "";
    while (true) {
      DescribeExecutionResponse d = aws.sfn().describeExecution(b -> b.executionArn(arn));
      String step = currentStep(aws, arn);
      if (!step.equals(lastStep)) {
        long s = Duration.between(start, Instant.now()).toSeconds();
        err.printf("[%3d:%02d] %s%n", s / 60, s % 60, step);
        err.flush();
        lastStep = step;
      }
      if (d.status() != ExecutionStatus.RUNNING) {
        long s = Duration.between(start, Instant.now()).toSeconds();
        if (d.status() == ExecutionStatus.SUCCEEDED) {
          err.printf("done in %d:%02d%n", s / 60, s % 60);
          err.flush();
          return 0;
        }
        err.printf("%s after %d:%02d: %s%n", d.status(), s / 60, s % 60, d.cause());
        String why = failureMessage(aws, arn);
        if (why != null) {
          err.println("  " + why);
        }
        err.flush();
        return 1;
      }
      try {
        Thread.sleep(500); // a progress display's refresh, not a wait for an outcome
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted; the execution " + arn + " keeps running", 130);
      }
    }
  }

  /** The last state entered (histories of these machines are small: read them whole). */
  static String currentStep(AwsClients aws, String arn) {
    String step = "starting";
    for (HistoryEvent e :
        aws.sfn().getExecutionHistoryPaginator(b -> b.executionArn(arn)).events()) {
      if (e.stateEnteredEventDetails() != null) {
        step = e.stateEnteredEventDetails().name();
      }
    }
    return step;
  }

  /** The error message of the last failed task (a handler's exception message), or null. */
  static String failureMessage(AwsClients aws, String arn) {
    String cause = null;
    for (HistoryEvent e :
        aws.sfn().getExecutionHistoryPaginator(b -> b.executionArn(arn)).events()) {
      if (e.taskFailedEventDetails() != null) {
        cause = e.taskFailedEventDetails().cause();
      } else if (e.lambdaFunctionFailedEventDetails() != null) {
        cause = e.lambdaFunctionFailedEventDetails().cause();
      }
    }
    if (cause == null) {
      return null;
    }
    try {
      var node = JSON.readTree(cause);
      return node.has("errorMessage") ? node.get("errorMessage").asText() : cause;
    } catch (IOException notJson) {
      return cause;
    }
  }

  static String stateMachineArn(AwsClients aws, String machine) {
    return "arn:aws:states:" + aws.region().id() + ":123456789012:stateMachine:" + machine;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a cluster from cluster.yml.")
  static final class Create extends FileCommand {
    @Override
    public Integer call() throws IOException {
      String text = text();
      ClusterConfig config = parse(text);
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        String principal = aws.stsCallerArn();
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("clusterName", config.clusterName());
        input.put("configYaml", sendable(config));
        input.put("principalArn", principal);
        int rc = startAndFollow(aws, ClusterResources.CREATE_MACHINE, input, noWait, err());
        if (rc != 0) {
          store(aws, c)
              .get(config.clusterName())
              .map(ClusterRecord::reason)
              .ifPresent(r -> err().println("reason: " + r));
          err().flush();
        }
        return rc;
      }
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = "Apply a changed cluster.yml.")
  static final class Update extends FileCommand {
    @Override
    public Integer call() throws IOException {
      String text = text();
      ClusterConfig config = parse(text);
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("clusterName", config.clusterName());
        input.put("configYaml", sendable(config));
        int rc = startAndFollow(aws, ClusterResources.UPDATE_MACHINE, input, noWait, err());
        if (rc != 0) {
          store(aws, c)
              .get(config.clusterName())
              .map(ClusterRecord::reason)
              .ifPresent(r -> err().println("reason: " + r));
          err().flush();
        }
        return rc;
      }
    }
  }

  /**
   * The file as sent to the workflow: the validated model written back without its signing
   * credentials (they never leave the CLI, whatever YAML style the file used).
   */
  static String sendable(ClusterConfig config) {
    return ConfigWriter.toYaml(config.redacted());
  }

  @Command(
      name = "destroy",
      mixinStandardHelpOptions = true,
      description = "Delete a cluster and everything it made.")
  static final class Destroy extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--no-wait", description = "Start the deletion and return at once.")
    boolean noWait;

    @Override
    public Integer call() throws IOException {
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        record(store(aws, c), name);
        int rc =
            startAndFollow(
                aws, ClusterResources.DESTROY_MACHINE, Map.of("clusterName", name), noWait, err());
        if (rc == 0 && !noWait) {
          DefaultTarget.forget(name);
        }
        return rc;
      }
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show a cluster's status.")
  static final class Status extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        ClusterRecord r = record(store(aws, c), name);
        List<Map<String, Object>> groups = new java.util.ArrayList<>();
        try {
          for (String g : aws.eks().listNodegroups(b -> b.clusterName(name)).nodegroups()) {
            var ng =
                aws.eks().describeNodegroup(b -> b.clusterName(name).nodegroupName(g)).nodegroup();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g);
            m.put("role", ng.labels().get("orchestra.dev/node-group"));
            m.put("status", ng.statusAsString());
            m.put("instanceTypes", ng.instanceTypes());
            m.put("min", ng.scalingConfig().minSize());
            m.put("max", ng.scalingConfig().maxSize());
            m.put("desired", ng.scalingConfig().desiredSize());
            groups.add(m);
          }
        } catch (software.amazon.awssdk.services.eks.model.ResourceNotFoundException gone) {
          // no EKS cluster (failed create): the record says why
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", r.name());
        doc.put("status", r.status());
        doc.put("kubernetesVersion", r.version());
        doc.put("reason", r.reason());
        doc.put("nodeGroups", groups);
        doc.put("history", r.history());
        doc.put("updatedAt", r.updatedAt());
        if (json) {
          out().println(JSON.writeValueAsString(doc));
        } else {
          out().printf("%s: %s (Kubernetes %s)%n", r.name(), r.status(), r.version());
          if (r.reason() != null && !r.reason().isEmpty()) {
            out().println("  reason: " + r.reason());
          }
          for (Map<String, Object> g : groups) {
            out()
                .printf(
                    "  %-6s %-20s %-8s %s min %s max %s desired %s%n",
                    g.get("role"),
                    g.get("name"),
                    g.get("status"),
                    g.get("instanceTypes"),
                    g.get("min"),
                    g.get("max"),
                    g.get("desired"));
          }
          r.history().forEach(h -> out().println("  " + h));
        }
        out().flush();
        return 0;
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List clusters.")
  static final class ListClusters extends Base {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        List<ClusterRecord> all = store(aws, c).list();
        if (json) {
          out()
              .println(
                  JSON.writeValueAsString(
                      all.stream()
                          .map(r -> Map.of("name", r.name(), "status", r.status()))
                          .toList()));
        } else if (all.isEmpty()) {
          out().println("no clusters; create one with `orchestra cluster create -f cluster.yml`");
        } else {
          all.forEach(r -> out().printf("%-48s %s%n", r.name(), r.status()));
        }
        out().flush();
        return 0;
      }
    }
  }

  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      description = "Reach the cluster's Kubernetes API with an EKS token and count its nodes.")
  static final class Test extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        record(store(aws, c), name);
        KubernetesClients clients =
            new KubernetesClients(
                new ClusterEndpointResolver(c, aws::eks),
                new EksTokenGenerator(aws.credentials(), aws.region()));
        int nodes;
        String server;
        try (KubernetesClient k = clients.open(name)) {
          server = k.getMasterUrl().toString();
          nodes = k.nodes().list().getItems().size();
        } catch (RuntimeException e) {
          throw new UserError(
              "cluster " + name + ": the Kubernetes API did not answer: " + e.getMessage(), 1);
        }
        if (json) {
          out()
              .println(
                  JSON.writeValueAsString(Map.of("name", name, "server", server, "nodes", nodes)));
        } else {
          out().printf("%s: Kubernetes API at %s answered; %d node(s)%n", name, server, nodes);
        }
        out().flush();
        return 0;
      }
    }
  }

  @Command(
      name = "connect",
      mixinStandardHelpOptions = true,
      description =
          "Write a kubeconfig entry (through the access role) and make the cluster the default target.")
  static final class Connect extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
        names = "--kubeconfig",
        description = "The kubeconfig to edit (default: $KUBECONFIG or ~/.kube/config).")
    Path kubeconfig;

    @Override
    public Integer call() throws IOException {
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        ClusterRecord r = record(store(aws, c), name);
        if (!ClusterRecord.ACTIVE.equals(r.status())) {
          throw new UserError(
              "cluster " + name + " is " + r.status() + "; connect to an ACTIVE cluster");
        }
        ClusterEndpoint endpoint = new ClusterEndpointResolver(c, aws::eks).resolve(name);
        String roleArn = new ClusterIam(aws.iam(), null).role(ClusterNames.accessRole(name)).arn();
        Path file = kubeconfig != null ? kubeconfig : Kubeconfig.defaultPath();
        String context =
            Kubeconfig.upsert(
                file,
                name,
                endpoint.url(),
                endpoint.caCertData(),
                aws.region().id(),
                roleArn,
                c.get(EnvVars.AWS_ENDPOINT_URL).orElse(null));
        DefaultTarget.write(name);
        out()
            .printf(
                "%s: context %s in %s (assumes %s); now the default target of `orchestra optimize`%n",
                name, context, file, roleArn);
        out().flush();
        return 0;
      }
    }
  }

  abstract static class TrustCommand extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--principal", required = true, description = "IAM user or role ARN.")
    String principal;

    int edit(boolean add) throws IOException {
      if (!principal.matches("arn:aws[a-z-]*:(iam|sts)::\\d{12}:.+")) {
        throw new UserError(
            "--principal: "
                + principal
                + " is not an IAM ARN (arn:aws:iam::123456789012:user/NAME or role/NAME)");
      }
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        record(store(aws, c), name);
        ClusterIam iam = new ClusterIam(aws.iam(), null);
        List<String> now;
        try {
          now =
              iam.editTrust(
                  ClusterNames.accessRole(name),
                  doc ->
                      add
                          ? TrustPolicies.addPrincipal(doc, principal)
                          : TrustPolicies.removePrincipal(doc, principal));
        } catch (IllegalArgumentException e) {
          throw new UserError(e.getMessage());
        }
        out().printf("%s: the access role trusts %s%n", name, now);
        out().flush();
        return 0;
      }
    }
  }

  @Command(
      name = "share",
      mixinStandardHelpOptions = true,
      description = "Let another principal assume the cluster's access role.")
  static final class Share extends TrustCommand {
    @Override
    public Integer call() throws IOException {
      return edit(true);
    }
  }

  @Command(
      name = "unshare",
      mixinStandardHelpOptions = true,
      description = "Stop a principal assuming the cluster's access role.")
  static final class Unshare extends TrustCommand {
    @Override
    public Integer call() throws IOException {
      return edit(false);
    }
  }
}
