package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** The three files users write. */
public enum ConfigKind {
  CLUSTER,
  RUN,
  EXPERIMENT;

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
   * The kind a document's fields reveal: {@code cluster_name} is a cluster, {@code metrics} or
   * {@code parameters} an experiment, {@code run} (with nothing of the others) a run; null when
   * nothing tells.
   */
  public static ConfigKind infer(ObjectNode root) {
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
    return null;
  }
}
