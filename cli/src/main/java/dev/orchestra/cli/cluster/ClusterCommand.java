package dev.orchestra.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orchestra.cli.OptimizeCommand;
import dev.orchestra.cli.UserError;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.cluster.ClusterIam;
import dev.orchestra.functions.cluster.ClusterOperations;
import dev.orchestra.functions.cluster.ClusterRecord;
import dev.orchestra.functions.cluster.ClusterRequestException;
import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.functions.cluster.UnknownClusterException;
import dev.orchestra.functions.kubernetes.ClusterEndpoint;
import dev.orchestra.functions.kubernetes.ClusterEndpointResolver;
import dev.orchestra.shared.EnvVars;
import dev.orchestra.shared.cluster.ClusterNames;
import dev.orchestra.shared.config.ClusterConfig;
import dev.orchestra.shared.config.Finding;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/** {@code orchestra cluster ...}: create, update, destroy and use EKS training clusters. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
      "Create, update, destroy, test, connect and share training clusters.",
      "With --endpoint or a configured stack they go through the API's /clusters",
      "endpoints; otherwise they run on the local runtime."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra cluster create -f cluster.yml",
      "  orchestra cluster status my-cluster --json",
      "  orchestra cluster list --endpoint https://abc123.execute-api.us-east-1.amazonaws.com/prod/"
    },
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

  /**
   * Where the command runs: {@code --local} | {@code --endpoint URL} | the configured stack (the
   * API's /clusters endpoints) | otherwise the local runtime, in-process.
   */
  public static final class Target {
    @Mixin dev.orchestra.cli.ApiOptions api;

    OrchestraConfig config(PrintWriter err) throws IOException {
      return OptimizeCommand.localConfig(err);
    }

    boolean remote() {
      return api.remote();
    }

    RemoteClusters clusters(PrintWriter out, PrintWriter err) {
      return new RemoteClusters(api.client(err), out, err);
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
      return new ClusterOperations(config, aws).store();
    }

    /** What a command does against the local runtime's cluster operations. */
    interface LocalCall {
      int call(OrchestraConfig config, AwsClients aws, ClusterOperations ops) throws IOException;
    }

    /** Runs {@code body} with the local runtime's configuration, clients and cluster operations. */
    int locally(LocalCall body) throws IOException {
      OrchestraConfig c = target.config(err());
      try (AwsClients aws = new AwsClients(c)) {
        return body.call(c, aws, new ClusterOperations(c, aws));
      }
    }

    static ClusterRecord record(ClusterOperations ops, String name) {
      try {
        return ops.record(name);
      } catch (UnknownClusterException e) {
        throw new UserError(e.getMessage());
      }
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
      try {
        return ClusterOperations.parse(file.toString(), text);
      } catch (ClusterRequestException e) {
        for (Finding f : e.findings()) {
          err().printf("%s %s: %s%n  fix: %s%n", f.file(), f.path(), f.problem(), f.fix());
        }
        err().flush();
        throw new UserError(e.getMessage());
      }
    }

    String text() {
      try {
        return Files.readString(file);
      } catch (IOException e) {
        throw new UserError(file + ": cannot read this cluster.yml (" + e.getMessage() + ")");
      }
    }
  }

  /** Follows a started execution, unless told not to, with the current step and time. */
  static int follow(
      ClusterOperations ops, ClusterOperations.Started started, boolean noWait, PrintWriter err) {
    String arn = started.executionArn();
    err.println((started.started() ? "started " : "already under way or done: ") + arn);
    err.flush();
    if (noWait || arn == null) {
      return 0;
    }
    Instant start = Instant.now();
    String lastStep = "";
    while (true) {
      DescribeExecutionResponse d = ops.describe(arn);
      String step = ops.currentStep(arn);
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
        String why = ops.failureMessage(arn);
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

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a cluster from cluster.yml.")
  static final class Create extends FileCommand {
    @Override
    public Integer call() throws IOException {
      String text = text();
      ClusterConfig config = parse(text);
      if (target.remote()) {
        return target
            .clusters(out(), err())
            .apply(true, config.clusterName(), sendable(config), noWait);
      }
      return locally(
          (c, aws, ops) -> {
            int rc = follow(ops, ops.create(config, aws.stsCallerArn()), noWait, err());
            if (rc != 0) {
              ops.store()
                  .get(config.clusterName())
                  .map(ClusterRecord::reason)
                  .ifPresent(r -> err().println("reason: " + r));
              err().flush();
            }
            return rc;
          });
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
      if (target.remote()) {
        return target
            .clusters(out(), err())
            .apply(false, config.clusterName(), sendable(config), noWait);
      }
      return locally(
          (c, aws, ops) -> {
            record(ops, config.clusterName());
            int rc = follow(ops, ops.update(null, config), noWait, err());
            if (rc != 0) {
              ops.store()
                  .get(config.clusterName())
                  .map(ClusterRecord::reason)
                  .ifPresent(r -> err().println("reason: " + r));
              err().flush();
            }
            return rc;
          });
    }
  }

  /**
   * The file as sent to the workflow: the validated model written back without its signing
   * credentials (they never leave the CLI, whatever YAML style the file used).
   */
  static String sendable(ClusterConfig config) {
    return ClusterOperations.sendable(config);
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
      if (target.remote()) {
        int rc = target.clusters(out(), err()).destroy(name, noWait);
        if (rc == 0 && !noWait) {
          DefaultTarget.forget(name);
        }
        return rc;
      }
      return locally(
          (c, aws, ops) -> {
            record(ops, name);
            int rc = follow(ops, ops.destroy(name), noWait, err());
            if (rc == 0 && !noWait) {
              DefaultTarget.forget(name);
            }
            return rc;
          });
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
      if (target.remote()) {
        return target.clusters(out(), err()).status(name, json);
      }
      return locally(
          (c, aws, ops) -> {
            record(ops, name);
            ClusterOperations.Status st = ops.status(name);
            ClusterRecord r = st.record();
            List<Map<String, Object>> groups = new java.util.ArrayList<>();
            for (ClusterOperations.NodeGroupView ng : st.nodeGroups()) {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("name", ng.name());
              m.put("role", ng.role());
              m.put("status", ng.status());
              m.put("instanceTypes", ng.instanceTypes());
              m.put("min", ng.min());
              m.put("max", ng.max());
              m.put("desired", ng.desired());
              groups.add(m);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", r.name());
            doc.put("status", r.status());
            doc.put("kubernetesVersion", r.version());
            doc.put("reason", r.reason());
            doc.put("nodeGroups", groups);
            doc.put("history", r.history());
            doc.put("updatedAt", r.updatedAt());
            doc.put("step", st.step());
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
          });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List clusters.")
  static final class ListClusters extends Base {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      if (target.remote()) {
        return target.clusters(out(), err()).list(json);
      }
      return locally(
          (c, aws, ops) -> {
            List<ClusterRecord> all = ops.list();
            if (json) {
              out()
                  .println(
                      JSON.writeValueAsString(
                          all.stream()
                              .map(r -> Map.of("name", r.name(), "status", r.status()))
                              .toList()));
            } else if (all.isEmpty()) {
              out()
                  .println(
                      "no clusters; create one with `orchestra cluster create -f cluster.yml`");
            } else {
              all.forEach(r -> out().printf("%-48s %s%n", r.name(), r.status()));
            }
            out().flush();
            return 0;
          });
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
      if (target.remote()) {
        return target.clusters(out(), err()).test(name, json);
      }
      return locally(
          (c, aws, ops) -> {
            record(ops, name);
            int nodes;
            String server;
            try {
              ClusterOperations.TestResult t = ops.test(name);
              server = t.server();
              nodes = t.nodes();
            } catch (RuntimeException e) {
              throw new UserError(
                  "cluster " + name + ": the Kubernetes API did not answer: " + e.getMessage(), 1);
            }
            if (json) {
              out()
                  .println(
                      JSON.writeValueAsString(
                          Map.of("name", name, "server", server, "nodes", nodes)));
            } else {
              out().printf("%s: Kubernetes API at %s answered; %d node(s)%n", name, server, nodes);
            }
            out().flush();
            return 0;
          });
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
      if (target.remote()) {
        throw new UserError(
            "cluster connect reads EKS and IAM directly and is not available through the API yet;"
                + " run it with --local for a local cluster");
      }
      return locally(
          (c, aws, ops) -> {
            ClusterRecord r = record(ops, name);
            if (!ClusterRecord.ACTIVE.equals(r.status())) {
              throw new UserError(
                  "cluster " + name + " is " + r.status() + "; connect to an ACTIVE cluster");
            }
            ClusterEndpoint endpoint = new ClusterEndpointResolver(c, aws::eks).resolve(name);
            String roleArn =
                new ClusterIam(aws.iam(), null).role(ClusterNames.accessRole(name)).arn();
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
          });
    }
  }

  abstract static class TrustCommand extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--principal", required = true, description = "IAM user or role ARN.")
    String principal;

    int edit(boolean add) throws IOException {
      if (target.remote()) {
        return target.clusters(out(), err()).trust(name, principal, add);
      }
      return locally(
          (c, aws, ops) -> {
            List<String> now;
            try {
              now = add ? ops.share(name, principal) : ops.unshare(name, principal);
            } catch (ClusterRequestException e) {
              throw new UserError(
                  e.getMessage().startsWith("principal ") ? "--" + e.getMessage() : e.getMessage());
            } catch (UnknownClusterException e) {
              throw new UserError(e.getMessage());
            }
            out().printf("%s: the access role trusts %s%n", name, now);
            out().flush();
            return 0;
          });
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
