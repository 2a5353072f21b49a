package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The entry point for reading cluster.yml, run.yml, experiment.yml and pool.yml: text in, a
 * validated model or every finding out. Never throws for anything in the text.
 */
public final class ConfigParser {
  private ConfigParser() {}

  public static Parsed<ClusterConfig> parseCluster(String fileName, String text) {
    return parse(fileName, text, ClusterValidator::validate);
  }

  public static Parsed<RunConfig> parseRun(String fileName, String text) {
    return parse(fileName, text, RunValidator::validate);
  }

  public static Parsed<ExperimentConfig> parseExperiment(String fileName, String text) {
    return parse(fileName, text, ExperimentValidator::validate);
  }

  public static Parsed<PoolConfig> parsePool(String fileName, String text) {
    return parse(fileName, text, PoolValidator::validate);
  }

  /** Parses as {@code kind}, or, when kind is null, as the kind the content reveals. */
  public static Parsed<?> parse(ConfigKind kind, String fileName, String text) {
    YamlLoader.Loaded loaded = YamlLoader.load(fileName, text);
    if (!loaded.ok()) {
      return new Parsed<>(null, loaded.findings());
    }
    ConfigKind k = kind != null ? kind : ConfigKind.infer(loaded.root());
    if (k == null) {
      return new Parsed<>(
          null,
          List.of(
              new Finding(
                  fileName,
                  "",
                  "cannot tell whether this is a cluster.yml, run.yml, experiment.yml or pool.yml"
                      + " (no cluster_name, metrics, parameters, run or pool_name field)",
                  "pass --kind cluster, --kind run, --kind experiment or --kind pool")));
    }
    return switch (k) {
      case CLUSTER -> validate(fileName, loaded.root(), ClusterValidator::validate);
      case RUN -> validate(fileName, loaded.root(), RunValidator::validate);
      case EXPERIMENT -> validate(fileName, loaded.root(), ExperimentValidator::validate);
      case POOL -> validate(fileName, loaded.root(), PoolValidator::validate);
    };
  }

  /** The findings for a file: empty when it is valid. */
  public static List<Finding> validate(ConfigKind kind, String fileName, String text) {
    return parse(kind, fileName, text).findings();
  }

  private static <T> Parsed<T> parse(
      String fileName, String text, BiFunction<ObjectNode, Checker, T> validator) {
    YamlLoader.Loaded loaded = YamlLoader.load(fileName, text);
    if (!loaded.ok()) {
      return new Parsed<>(null, loaded.findings());
    }
    return validate(fileName, loaded.root(), validator);
  }

  private static <T> Parsed<T> validate(
      String fileName, ObjectNode root, BiFunction<ObjectNode, Checker, T> validator) {
    List<Finding> findings = new ArrayList<>();
    T value = validator.apply(root, new Checker(fileName, "", findings));
    if (value == null && findings.isEmpty()) {
      // A validator returns null only after a finding; keep the contract even if one forgets.
      findings.add(new Finding(fileName, "", "the file is not valid", "check every field"));
    }
    return Parsed.of(value, findings);
  }
}
