package dev.orchestra.shared.pool;

import dev.orchestra.shared.run.InvalidWorkloadException;
import dev.orchestra.shared.run.KubernetesJobFactory;
import dev.orchestra.shared.run.Workload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run attempt on a pool's work queue, as the agent reads it: one line of space-separated fields
 * so a shell can split it, {@code orchestra-work v1} then {@code name=base64(value)} for the
 * experiment and run ids, attempt, nonce, image, command, GPU count, and one {@code env=} per
 * variable of the training environment (base64 of {@code NAME=VALUE}). The nonce travels to the
 * agent (the carrier) and never into the training environment.
 */
public final class PoolWorkItem {
  public static final String MAGIC = "orchestra-work v1";

  /** Where the agent mounts the run's folder in the container (as the Job's emptyDir). */
  public static final String CONTAINER_DIR = KubernetesJobFactory.SHARED_DIR;

  /** A decoded item. */
  public record Item(
      String experimentId,
      String runId,
      int attempt,
      String nonce,
      String image,
      String command,
      int gpus,
      Map<String, String> env,
      String workdir) {}

  private PoolWorkItem() {}

  public static String encode(Workload w) {
    if (w.credentialsSecret() != null) {
      throw new InvalidWorkloadException(
          "run.yml aws credentials are not supported on EC2 pools yet: the instance role is what"
              + " the run's carrier uses; remove aws from run.yml or run on a cluster");
    }
    if (w.gpus() < 0) {
      throw new InvalidWorkloadException("gpus must be 0 or more, not " + w.gpus());
    }
    StringBuilder b = new StringBuilder(MAGIC);
    field(b, "experiment_id", w.experimentId());
    field(b, "run_id", w.runId());
    field(b, "attempt", Integer.toString(w.attempt()));
    field(b, "nonce", w.nonce());
    field(b, "image", w.image());
    field(b, "command", w.command());
    field(b, "gpus", Integer.toString(w.gpus()));
    for (Map.Entry<String, String> e :
        KubernetesJobFactory.trainingEnvironment(w, CONTAINER_DIR).entrySet()) {
      // docker --env-file takes one NAME=VALUE a line, the value as written.
      if (e.getValue().indexOf('\n') >= 0 || e.getValue().indexOf('\r') >= 0) {
        throw new InvalidWorkloadException(
            e.getKey() + " holds a line break, which an EC2 pool cannot pass to the container");
      }
      field(b, "env", e.getKey() + "=" + e.getValue());
    }
    if (w.workdir() != null) {
      // Local mode only (the folder of run.yml, where the local agent runs the command); the
      // shell agent ignores fields it does not know.
      field(b, "workdir", w.workdir());
    }
    return b.toString();
  }

  public static Item decode(String line) {
    if (!line.startsWith(MAGIC + " ")) {
      throw new IllegalArgumentException("not a pool work item");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    Map<String, String> env = new LinkedHashMap<>();
    List<String> parts = new ArrayList<>(List.of(line.substring(MAGIC.length() + 1).split(" ")));
    for (String part : parts) {
      int eq = part.indexOf('=');
      String value =
          new String(Base64.getDecoder().decode(part.substring(eq + 1)), StandardCharsets.UTF_8);
      String name = part.substring(0, eq);
      if (name.equals("env")) {
        int at = value.indexOf('=');
        env.put(value.substring(0, at), value.substring(at + 1));
      } else {
        fields.put(name, value);
      }
    }
    return new Item(
        fields.get("experiment_id"),
        fields.get("run_id"),
        Integer.parseInt(fields.get("attempt")),
        fields.get("nonce"),
        fields.get("image"),
        fields.get("command"),
        Integer.parseInt(fields.get("gpus")),
        env,
        fields.get("workdir"));
  }

  private static void field(StringBuilder b, String name, String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidWorkloadException("a pool work item needs " + name);
    }
    b.append(' ')
        .append(name)
        .append('=')
        .append(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
  }
}
