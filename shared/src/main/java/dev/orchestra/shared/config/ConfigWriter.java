package dev.orchestra.shared.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.orchestra.shared.search.Metric;
import dev.orchestra.shared.search.Parameter;
import dev.orchestra.shared.search.ParameterType;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Writes models back as the files users write (YAML) or as JSON, for stored specs. Credentials are
 * never written: the output is the redacted form, and parsing it gives {@code model.redacted()}.
 */
public final class ConfigWriter {
  private ConfigWriter() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public static String toYaml(ObjectNode tree) {
    try {
      return YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String toJson(ObjectNode tree) {
    try {
      return JSON.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String toYaml(ClusterConfig c) {
    return toYaml(tree(c));
  }

  public static String toYaml(RunConfig r) {
    return toYaml(tree(r));
  }

  public static String toYaml(ExperimentConfig e) {
    return toYaml(tree(e));
  }

  public static ObjectNode tree(ClusterConfig c) {
    ObjectNode o = NODES.objectNode();
    o.put("cluster_name", c.clusterName());
    o.put("provider", c.provider().yamlName());
    if (c.cpu() != null) {
      o.set("cpu", group(c.cpu(), true));
    }
    if (c.gpu() != null) {
      o.set("gpu", group(c.gpu(), true));
    }
    o.set("system", group(c.system(), false));
    if (c.kubernetesVersion() != null) {
      o.put("kubernetes_version", c.kubernetesVersion());
    }
    if (!c.aws().additionalPolicies().isEmpty()) {
      ArrayNode policies = o.putObject("aws").putArray("additional_policies");
      c.aws().additionalPolicies().forEach(policies::add);
    }
    if (!c.tags().isEmpty()) {
      ObjectNode tags = o.putObject("tags");
      c.tags().forEach(tags::put);
    }
    if (c.idleTimeoutMinutes() != null) {
      o.put("idle_timeout_minutes", c.idleTimeoutMinutes());
      o.put("idle_action", c.idleAction().yamlName());
    }
    return o;
  }

  private static ObjectNode group(NodeGroup g, boolean withSpot) {
    ObjectNode o = NODES.objectNode();
    o.put("instance_type", g.instanceType());
    o.put("min_nodes", g.minNodes());
    o.put("max_nodes", g.maxNodes());
    if (withSpot && g.spot()) {
      o.put("spot", true);
    }
    if (g.nodeVolumeSize() != null) {
      o.put("node_volume_size", g.nodeVolumeSize());
    }
    return o;
  }

  public static ObjectNode tree(RunConfig r) {
    ObjectNode o = NODES.objectNode();
    if (r.name() != null) {
      o.put("name", r.name());
    }
    if (r.run().script() != null) {
      o.put("run", r.run().script());
    } else {
      ArrayNode args = o.putArray("run");
      r.run().args().forEach(args::add);
    }
    if (r.image() != null) {
      o.put("image", r.image());
    }
    RunResources res = r.resources();
    if (!res.requests().isEmpty() || !res.limits().isEmpty() || res.gpus() > 0) {
      ObjectNode ro = o.putObject("resources");
      if (!res.requests().isEmpty()) {
        ro.set("requests", amounts(res.requests()));
      }
      if (!res.limits().isEmpty()) {
        ro.set("limits", amounts(res.limits()));
      }
      if (res.gpus() > 0) {
        ro.put("gpus", res.gpus());
      }
    }
    return o;
  }

  private static ObjectNode amounts(ResourceAmounts a) {
    ObjectNode o = NODES.objectNode();
    put(o, "cpu", a.cpu());
    put(o, "memory", a.memory());
    put(o, "ephemeral-storage", a.ephemeralStorage());
    return o;
  }

  private static void put(ObjectNode o, String field, Quantity q) {
    if (q != null) {
      o.put(field, q.toString());
    }
  }

  public static ObjectNode tree(ExperimentConfig e) {
    ObjectNode o = NODES.objectNode();
    o.put("name", e.name());
    ArrayNode metrics = o.putArray("metrics");
    for (Metric m : e.metrics()) {
      ObjectNode mo = metrics.addObject();
      mo.put("name", m.name());
      mo.put("objective", m.objective().name().toLowerCase(Locale.ROOT));
      mo.put("strategy", m.strategy().name().toLowerCase(Locale.ROOT));
      if (m.threshold() != null) {
        mo.put("threshold", m.threshold());
      }
    }
    ArrayNode parameters = o.putArray("parameters");
    for (Parameter p : e.parameters()) {
      ObjectNode po = parameters.addObject();
      po.put("name", p.name());
      po.put("type", p.type().name().toLowerCase(Locale.ROOT));
      if (p.type() == ParameterType.CATEGORICAL) {
        ArrayNode values = po.putArray("categorical_values");
        p.categories().forEach(values::add);
      } else {
        ObjectNode b = po.putObject("bounds");
        if (p.type() == ParameterType.INT) {
          b.put("min", p.min().longValue());
          b.put("max", p.max().longValue());
        } else {
          b.put("min", p.min());
          b.put("max", p.max());
        }
      }
      if (!p.grid().isEmpty()) {
        ArrayNode grid = po.putArray("grid");
        for (Object v : p.grid()) {
          if (v instanceof Long l) {
            grid.add(l);
          } else if (v instanceof Double d) {
            grid.add(d);
          } else {
            grid.add(String.valueOf(v));
          }
        }
      }
      if (p.log()) {
        po.put("transformation", "log");
      }
    }
    o.put("type", e.type().name().toLowerCase(Locale.ROOT));
    if (e.budget() != null) {
      o.put("budget", e.budget());
    }
    o.put("parallel_bandwidth", e.parallelBandwidth());
    if (e.maxFailedRuns() != null) {
      o.put("max_failed_runs", e.maxFailedRuns());
    }
    if (e.cluster() != null) {
      o.put("cluster", e.cluster());
    }
    if (e.pool() != null) {
      o.put("pool", e.pool());
    }
    if (e.maxRunMinutes() != null) {
      o.put("max_run_minutes", e.maxRunMinutes());
    }
    if (e.run() != null) {
      o.set("run", tree(e.run()));
    }
    return o;
  }
}
