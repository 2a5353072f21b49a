package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** The files users write: SigOpt's three, and Orchestra's pool.yml. */
public enum ConfigKind {
  CLUSTER,
  RUN,
  EXPERIMENT,
  POOL;

  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The kind for a --kind value, or null when it names none. */
  public static ConfigKind fromName(String name) {
    for (ConfigKind k : values()) {
      if (k.yamlName().equalsIgnoreCase(name)) {
        return k;
      }
    }
    return null;
  }

  /**
   * The kind a document's fields reveal: {@code pool_name} is a pool, {@code cluster_name} a
   * cluster, {@code metrics} or {@code parameters} an experiment, {@code run} (with nothing of the
   * others) a run; null when nothing tells.
   */
  public static ConfigKind infer(ObjectNode root) {
    if (root.has("pool_name")) {
      return POOL;
    }
    if (root.has("cluster_name")) {
      return CLUSTER;
    }
    if (root.has("metrics") || root.has("parameters")) {
      return EXPERIMENT;
    }
    if (root.has("run") || root.has("resources") || root.has("image")) {
      return RUN;
    }
    if (root.has("cpu") || root.has("gpu") || root.has("kubernetes_version")) {
      return CLUSTER;
    }
    if (root.has("budget") || root.has("parallel_bandwidth")) {
      return EXPERIMENT;
    }
    if (root.has("instance_types") || root.has("max_instances") || root.has("ami_discovery")) {
      return POOL;
    }
    return null;
  }
}
