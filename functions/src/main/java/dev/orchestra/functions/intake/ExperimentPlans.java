package dev.orchestra.functions.intake;

import dev.orchestra.shared.config.ExperimentConfig;
import dev.orchestra.shared.config.ResourceAmounts;
import dev.orchestra.shared.config.RunConfig;
import dev.orchestra.shared.experiment.ExperimentPlan;
import dev.orchestra.shared.run.ImageReferences;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Validated config models → the plan the loop stores (credentials never part of it). */
public final class ExperimentPlans {
  private ExperimentPlans() {}

  /**
   * @param target {@code cluster/<name>} or {@code pool/<name>}
   * @param workdir local mode: the folder of run.yml; null in AWS
   * @param accountId for bare image names (ECR); may be null locally
   */
  public static ExperimentPlan of(
      String experimentId,
      ExperimentConfig exp,
      RunConfig run,
      String target,
      String workdir,
      String accountId,
      String region) {
    String image =
        run.image() == null
            ? null
            : accountId == null
                ? run.image()
                : ImageReferences.resolve(run.image(), accountId, region);
    Integer maxMinutes = exp.maxRunMinutes() == null ? null : (int) Math.ceil(exp.maxRunMinutes());
    return new ExperimentPlan(
        exp.name(),
        exp.type(),
        exp.searchSpace(),
        (int) exp.runCount(),
        exp.parallelBandwidth(),
        (int) exp.effectiveMaxFailedRuns(),
        exp.maxRunMinutes(),
        target,
        image,
        run.run().shellCommand(),
        amounts(run.resources().requests()),
        amounts(run.resources().limits()),
        run.resources().gpus(),
        workdir,
        seedOf(experimentId),
        run.hasAwsCredentials());
  }

  private static Map<String, String> amounts(ResourceAmounts a) {
    Map<String, String> m = new LinkedHashMap<>();
    if (a.cpu() != null) {
      m.put("cpu", a.cpu().toString());
    }
    if (a.memory() != null) {
      m.put("memory", a.memory().toString());
    }
    if (a.ephemeralStorage() != null) {
      m.put("ephemeral-storage", a.ephemeralStorage().toString());
    }
    return m;
  }

  /** The searcher's seed: a pure function of the experiment id. */
  static long seedOf(String experimentId) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(experimentId.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(d).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
