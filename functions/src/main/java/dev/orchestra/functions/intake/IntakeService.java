package dev.orchestra.functions.intake;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.S3Objects;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.functions.experiment.StatusFiles;
import dev.orchestra.functions.store.DynamoDbExperimentStore;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.ExperimentConfig;
import dev.orchestra.shared.config.Finding;
import dev.orchestra.shared.config.Parsed;
import dev.orchestra.shared.config.RunConfig;
import dev.orchestra.shared.experiment.ExperimentIds;
import dev.orchestra.shared.experiment.ExperimentPlan;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Intake: a dropped (or submitted) experiment.yml becomes a stored experiment and a started
 * execution. Validates before anything starts; the id is deterministic, so a repeated event finds
 * the stored experiment and the existing execution and starts nothing new.
 */
public class IntakeService {
  private static final Logger LOG = LoggerFactory.getLogger(IntakeService.class);
  static final String SUFFIX = "/experiment.yml";

  private final DynamoDbExperimentStore store;
  private final S3Objects s3;
  private final StepFunctions sfn;
  private final StatusFiles status;
  private final String experimentStateMachineArn;
  private final String defaultTarget;
  private final String region;

  public IntakeService(
      DynamoDbExperimentStore store,
      S3Objects s3,
      StepFunctions sfn,
      StatusFiles status,
      String experimentStateMachineArn,
      String defaultTarget,
      String region) {
    this.store = store;
    this.s3 = s3;
    this.sfn = sfn;
    this.status = status;
    this.experimentStateMachineArn = experimentStateMachineArn;
    this.defaultTarget = defaultTarget;
    this.region = region;
  }

  /**
   * The outcome: accepted with its id, or rejected with findings; {@code created} is false when an
   * earlier submission with the same id had stored it already.
   */
  public record Result(
      String experimentId, boolean accepted, List<Finding> findings, boolean created) {
    public Result(String experimentId, boolean accepted, List<Finding> findings) {
      this(experimentId, accepted, findings, accepted);
    }
  }

  /** S3 event keys are URL-encoded ({@code +} is a space; moto also encodes {@code /}). */
  public static String decodeKey(String rawKey) {
    return URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
  }

  /** Whether a (decoded) key is an experiment drop. */
  public static boolean isDrop(String key) {
    return key.startsWith("experiments/") && key.endsWith(SUFFIX);
  }

  /** An S3 drop: experiments/&lt;folder&gt;/experiment.yml (+ run.yml beside it). */
  public Optional<Result> fromDrop(String bucket, String rawKey, String eTag) {
    String key = decodeKey(rawKey);
    if (!isDrop(key)) {
      return Optional.empty();
    }
    String statusKey = StatusFiles.keyFor(key);
    Optional<String> experimentText = s3.get(bucket, key);
    if (experimentText.isEmpty()) {
      LOG.info("{} is gone (deleted after the event); nothing to do", key);
      return Optional.empty();
    }
    String runKey = key.substring(0, key.length() - SUFFIX.length()) + "/run.yml";
    Optional<String> runText = s3.get(bucket, runKey);
    Parsed<ExperimentConfig> exp =
        ConfigParser.parseExperiment("experiment.yml", experimentText.get());
    String name = exp.ok() ? exp.value().name() : folderName(key);
    // S3 events carry the eTag bare; HeadObject quotes it: the id uses the bare form.
    String bareTag = eTag == null ? "" : eTag.replace("\"", "");
    String id = ExperimentIds.forDrop(name, bucket, key, bareTag);
    return Optional.of(accept(id, exp, runText.orElse(null), null, null, bucket, statusKey));
  }

  /**
   * The CLI/API path: the files' text, an idempotency key (the id's source), an optional target
   * ({@code cluster/<name>}) and, locally, the folder the command runs in.
   */
  public Result submit(
      String experimentText,
      String runText,
      String idempotencyKey,
      String target,
      String workdir,
      String statusKey) {
    Parsed<ExperimentConfig> exp = ConfigParser.parseExperiment("experiment.yml", experimentText);
    String name = exp.ok() ? exp.value().name() : "experiment";
    String id = ExperimentIds.forIdempotencyKey(name, idempotencyKey);
    return accept(id, exp, runText, target, workdir, s3.bucket(), statusKey);
  }

  private Result accept(
      String id,
      Parsed<ExperimentConfig> exp,
      String runText,
      String targetOverride,
      String workdir,
      String bucket,
      String statusKey) {
    List<Finding> findings = new ArrayList<>(exp.findings());
    RunConfig run = null;
    if (exp.ok()) {
      if (exp.value().run() != null) {
        run = exp.value().run();
      } else if (runText == null) {
        findings.add(
            new Finding(
                "experiment.yml",
                "run",
                "there is no run.yml beside experiment.yml and no embedded run: block",
                "put run.yml in the same folder, or add a run: block to experiment.yml"));
      } else {
        Parsed<RunConfig> parsedRun = ConfigParser.parseRun("run.yml", runText);
        findings.addAll(parsedRun.findings());
        run = parsedRun.value();
      }
    }
    String target = null;
    if (findings.isEmpty()) {
      target = resolveTarget(exp.value(), targetOverride);
      if (target == null) {
        findings.add(
            new Finding(
                "experiment.yml",
                "cluster",
                "the experiment names no cluster or pool and the stack has no default target",
                "add cluster: NAME (or pool: NAME) to experiment.yml"));
      }
    }
    if (!findings.isEmpty()) {
      LOG.info("rejected {}: {} finding(s)", id, findings.size());
      if (statusKey != null) {
        status.rejected(bucket, statusKey, id, exp.ok() ? exp.value().name() : null, findings);
      }
      return new Result(id, false, findings);
    }
    ExperimentPlan plan = ExperimentPlans.of(id, exp.value(), run, target, workdir, null, region);
    // The stored spec is the redacted one: run.yml credentials never reach S3 or the record.
    s3.put(
        "specs/" + id + "/experiment.json",
        Json.write(
            Map.of("experiment", exp.value().redacted(), "run", run.redacted(), "plan", plan)),
        "application/json");
    if (run.hasAwsCredentials()) {
      store.putCredentials(id, run.aws().accessKeyId(), run.aws().secretAccessKey());
    }
    boolean created =
        store.createExperiment(
            ExperimentRecord.pending(id, plan, bucket, statusKey, Instant.now().toString()));
    store.experiment(id).ifPresent(status::progress);
    sfn.start(experimentStateMachineArn, id, Json.write(Map.of("experimentId", id)));
    LOG.info("{} experiment {}", created ? "accepted" : "already accepted", id);
    return new Result(id, true, List.of(), created);
  }

  private String resolveTarget(ExperimentConfig exp, String override) {
    if (override != null) {
      return override;
    }
    if (exp.cluster() != null) {
      return "cluster/" + exp.cluster();
    }
    if (exp.pool() != null) {
      return "pool/" + exp.pool();
    }
    return defaultTarget;
  }

  private static String folderName(String key) {
    String folder = key.substring(0, key.length() - SUFFIX.length());
    return folder.substring(folder.lastIndexOf('/') + 1);
  }
}
