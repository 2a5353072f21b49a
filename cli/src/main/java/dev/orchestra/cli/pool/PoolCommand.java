package dev.orchestra.cli.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orchestra.cli.ApiOptions;
import dev.orchestra.cli.OptimizeCommand;
import dev.orchestra.cli.UserError;
import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.functions.api.PoolsController;
import dev.orchestra.functions.api.PoolsController.InstanceView;
import dev.orchestra.functions.api.PoolsController.PoolView;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.functions.pool.PoolOperations;
import dev.orchestra.functions.pool.PoolRecord;
import dev.orchestra.functions.pool.PoolRequestException;
import dev.orchestra.functions.pool.UnknownPoolException;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.config.PoolConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code orchestra pool ...}: create, update, destroy and inspect EC2 pools. */
@Command(
    name = "pool",
    mixinStandardHelpOptions = true,
    description = {
      "Create, update, destroy and inspect EC2 pools: spot or on-demand instances,",
      "launched when runs wait and terminated when idle, each running the Orchestra",
      "agent (no Kubernetes). Run an experiment on one with `optimize --pool NAME`.",
      "With --endpoint or a configured stack they go through the API's /pools",
      "endpoints; otherwise they run on the local runtime."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra pool create examples/pools/gpu-spot.yml",
      "  orchestra pool status gpu-spot --json",
      "  orchestra pool update gpu-spot.yml",
      "  orchestra pool destroy gpu-spot --wait",
      "  orchestra pool list --endpoint https://abc123.execute-api.us-east-1.amazonaws.com/prod/"
    },
    subcommands = {
      PoolCommand.Create.class,
      PoolCommand.Update.class,
      PoolCommand.Destroy.class,
      PoolCommand.Status.class,
      PoolCommand.ListPools.class
    })
public final class PoolCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class Base implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin ApiOptions api;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    RemotePools remote() {
      return new RemotePools(api.client(err()), out(), err());
    }

    /** What a command does against the local runtime's pool operations. */
    interface LocalCall {
      int call(PoolOperations ops) throws IOException;
    }

    /**
     * Runs {@code body} with the local runtime's configuration, clients and pool operations; a pool
     * request to fix or an unknown pool is the user's error (exit 2), with its findings.
     */
    int locally(LocalCall body) throws IOException {
      OrchestraConfig c = OptimizeCommand.localConfig(err());
      try (AwsClients aws = new AwsClients(c)) {
        return body.call(new PoolOperations(c, aws));
      } catch (PoolRequestException e) {
        throw new UserError(e.getMessage(), UserError.USAGE, findingLines(e.findings()));
      } catch (UnknownPoolException e) {
        throw new UserError(e.getMessage());
      }
    }

    void print(PoolView v, boolean json) throws IOException {
      if (json) {
        out().println(JSON.writeValueAsString(v));
      } else {
        printText(out(), v);
      }
      out().flush();
    }
  }

  /** Finding lines as every command prints them: {@code file path: problem} and the fix. */
  static List<String> findingLines(List<Finding> findings) {
    List<String> lines = new ArrayList<>();
    for (Finding f : findings) {
      lines.add(
          f.file()
              + (f.path() == null || f.path().isEmpty() ? "" : " " + f.path())
              + ": "
              + f.problem()
              + "\n  fix: "
              + f.fix());
    }
    return lines;
  }

  /** A pool as text: one line, then the instances and the last decision when there are any. */
  static void printText(PrintWriter out, PoolView v) {
    out.printf(
        "%s: %s (%s%s, %s, at most %d, idle timeout %d min)%n",
        v.name(),
        v.status(),
        v.spot() ? "spot" : "on demand",
        v.spot() && v.onDemandFallback() ? " then on demand" : "",
        String.join(" > ", v.instanceTypes()),
        v.maxInstances(),
        v.idleTimeoutMinutes());
    if (v.message() != null && !v.message().isEmpty()) {
      out.println("  message: " + v.message());
    }
    if (v.pendingRuns() != null) {
      out.printf("  pending runs: %d, instances: %d%n", v.pendingRuns(), v.instances().size());
    }
    for (InstanceView i : v.instances()) {
      out.printf(
          "  %-20s %-12s %-9s %-13s %s%n",
          i.id(),
          i.instanceType(),
          i.capacity(),
          i.state(),
          i.busy() ? "busy " + (i.workload() == null ? "" : i.workload()) : "idle");
    }
    for (String reason : v.lastDecision()) {
      out.println("  last decision: " + reason);
    }
  }

  abstract static class FileCommand extends Base {
    @Parameters(paramLabel = "FILE", arity = "0..1", description = "pool.yml")
    Path positional;

    @Option(
        names = {"-f", "--file"},
        paramLabel = "FILE",
        description = "pool.yml (the same as FILE)")
    Path option;

    @Option(names = "--json", description = "Print the pool as JSON.")
    boolean json;

    Path file() {
      if (positional != null && option != null && !positional.equals(option)) {
        throw new UserError(
            "two files given (" + positional + " and -f " + option + "); give one pool.yml");
      }
      Path f = positional != null ? positional : option;
      if (f == null) {
        throw new UserError(
            "no pool.yml given; e.g. `orchestra pool "
                + spec.name()
                + " examples/pools/gpu-spot.yml`");
      }
      return f;
    }

    String text(Path file) {
      try {
        return Files.readString(file);
      } catch (NoSuchFileException e) {
        throw new UserError(file + ": no such file; give the path of your pool.yml");
      } catch (IOException e) {
        throw new UserError(file + ": cannot read this pool.yml (" + e.getMessage() + ")");
      }
    }

    /** The validated file; its findings (every one) are the user's to fix, nothing is sent. */
    PoolConfig parse(Path file, String text) {
      try {
        return PoolOperations.parse(file.toString(), text);
      } catch (PoolRequestException e) {
        throw new UserError(e.getMessage(), UserError.USAGE, findingLines(e.findings()));
      }
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a pool from pool.yml.",
        "Makes its work queue, its agents' instance role and profile under /orchestra/",
        "and its scaling schedule; no instance starts until a run waits. The same",
        "file again is harmless; a changed file needs update."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  orchestra pool create examples/pools/gpu-spot.yml",
        "  orchestra pool create -f pool.yml --json",
        "",
        "gpu-spot: READY (spot then on demand, g5.xlarge > g6.xlarge > g4dn.xlarge, at most 4,"
            + " idle timeout 10 min)"
      })
  static final class Create extends FileCommand {
    @Override
    public Integer call() throws IOException {
      Path file = file();
      String text = text(file);
      PoolConfig config = parse(file, text);
      if (api.remote()) {
        return remote().create(text, json);
      }
      return locally(
          ops -> {
            print(PoolsController.summary(ops.create(config)), json);
            return 0;
          });
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = {
        "Apply a changed pool.yml (the same pool_name).",
        "Running instances keep running; instances launched from now on follow it."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  orchestra pool update gpu-spot.yml",
        "  orchestra pool update -f pool.yml --json"
      })
  static final class Update extends FileCommand {
    @Override
    public Integer call() throws IOException {
      Path file = file();
      String text = text(file);
      PoolConfig config = parse(file, text);
      if (api.remote()) {
        return remote().update(config.poolName(), text, json);
      }
      return locally(
          ops -> {
            print(PoolsController.summary(ops.update(config.poolName(), config)), json);
            return 0;
          });
    }
  }

  /** How long destroy --wait follows a pool before it gives up (the tick keeps going). */
  static final Duration DESTROY_WAIT = Duration.ofMinutes(30);

  @Command(
      name = "destroy",
      mixinStandardHelpOptions = true,
      description = {
        "Destroy a pool and everything it made.",
        "Its scaling tick terminates its instances (busy ones too), cancels its spot",
        "requests, then deletes its work queue, role, instance profile and schedule.",
        "Returns at once unless --wait."
      },
      footerHeading = "%nExamples:%n",
      footer = {"  orchestra pool destroy gpu-spot", "  orchestra pool destroy gpu-spot --wait"})
  static final class Destroy extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
        names = "--wait",
        description = "Follow the destruction until the pool is DESTROYED (at most 30 minutes).")
    boolean wait;

    @Option(names = "--json", description = "Print the pool as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      if (api.remote()) {
        return remote().destroy(name, wait, json);
      }
      return locally(
          ops -> {
            PoolRecord r = ops.destroy(name);
            if (!wait) {
              print(PoolsController.summary(r), json);
              return 0;
            }
            err().println(name + ": " + r.status() + "; waiting for its instances to terminate");
            err().flush();
            Instant start = Instant.now();
            String last = "";
            while (true) {
              PoolView v;
              try {
                v = PoolsController.view(ops.status(name));
              } catch (UnknownPoolException gone) {
                err().printf("%s: destroyed in %s%n", name, elapsed(start));
                err().flush();
                return 0;
              }
              String line = v.status() + ", " + v.instances().size() + " instance(s) left";
              if (!line.equals(last)) {
                err().printf("[%s] %s%n", elapsed(start), line);
                err().flush();
                last = line;
              }
              if (PoolRecord.DESTROYED.equals(v.status())) {
                err().printf("%s: destroyed in %s%n", name, elapsed(start));
                err().flush();
                print(v, json);
                return 0;
              }
              if (PoolRecord.FAILED.equals(v.status())) {
                print(v, json);
                throw new UserError(
                    name + " is FAILED: " + v.message() + "; run `orchestra pool destroy` again",
                    UserError.FAILED);
              }
              if (Duration.between(start, Instant.now()).compareTo(DESTROY_WAIT) > 0) {
                throw new UserError(
                    name
                        + " is still "
                        + v.status()
                        + " after "
                        + DESTROY_WAIT.toMinutes()
                        + " minutes; its scaling tick keeps going: check `orchestra pool status "
                        + name
                        + "`",
                    UserError.FAILED);
              }
              pause(name);
            }
          });
    }
  }

  static String elapsed(Instant start) {
    long s = Duration.between(start, Instant.now()).toSeconds();
    return String.format("%d:%02d", s / 60, s % 60);
  }

  static void pause(String name) {
    try {
      Thread.sleep(1000); // a progress display's refresh, not a wait for an outcome
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted; the pool " + name + " keeps being destroyed", 130);
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Show a pool's status and instances.",
        "Its live instances (found by the orchestra:pool tag), the runs waiting on its",
        "work queue and the reasons of the last scaling decision."
      },
      footerHeading = "%nExamples:%n",
      footer = {"  orchestra pool status gpu-spot", "  orchestra pool status gpu-spot --json"})
  static final class Status extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      if (api.remote()) {
        return remote().status(name, json);
      }
      return locally(
          ops -> {
            print(PoolsController.view(ops.status(name)), json);
            return 0;
          });
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the pools that are not destroyed.",
      footerHeading = "%nExamples:%n",
      footer = {"  orchestra pool list", "  orchestra pool list --json"})
  static final class ListPools extends Base {
    @Option(names = "--json", description = "Print JSON ({\"items\": [...]}).")
    boolean json;

    @Override
    public Integer call() throws IOException {
      if (api.remote()) {
        return remote().list(json);
      }
      return locally(
          ops -> {
            List<PoolView> all =
                ops.list().stream()
                    .sorted(java.util.Comparator.comparing(PoolRecord::name))
                    .map(PoolsController::summary)
                    .toList();
            printList(out(), all, json);
            return 0;
          });
    }
  }

  static void printList(PrintWriter out, List<PoolView> all, boolean json) throws IOException {
    if (json) {
      out.println(JSON.writeValueAsString(java.util.Map.of("items", all)));
    } else if (all.isEmpty()) {
      out.println("no pools; create one with `orchestra pool create pool.yml`");
    } else {
      dev.orchestra.cli.out.Table t =
          new dev.orchestra.cli.out.Table("NAME", "STATUS", "CAPACITY", "TYPES", "MAX");
      for (PoolView v : all) {
        t.row(
            v.name(),
            v.status(),
            v.spot() ? (v.onDemandFallback() ? "spot+on-demand" : "spot") : "on-demand",
            String.join(",", v.instanceTypes()),
            String.valueOf(v.maxInstances()));
      }
      t.print(out);
    }
    out.flush();
  }
}
