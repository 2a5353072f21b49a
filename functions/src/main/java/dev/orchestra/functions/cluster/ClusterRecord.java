package dev.orchestra.functions.cluster;

import java.util.List;
import java.util.Map;

/**
 * A cluster as the control plane knows it.
 *
 * @param status CREATING, ACTIVE, UPDATING, FAILED, DESTROYING
 * @param configYaml the cluster.yml it was created or last updated with (credentials removed)
 * @param version the Kubernetes version it runs
 * @param execution the execution that last changed it
 * @param created resource key → the execution that created it (what a rollback may delete)
 * @param history idle actions and other notable events, oldest first
 */
public record ClusterRecord(
    String name,
    String status,
    String configYaml,
    String version,
    String reason,
    String execution,
    Map<String, String> created,
    List<String> history,
    String updatedAt) {

  public static final String CREATING = "CREATING";
  public static final String ACTIVE = "ACTIVE";
  public static final String UPDATING = "UPDATING";
  public static final String FAILED = "FAILED";
  public static final String DESTROYING = "DESTROYING";
}
