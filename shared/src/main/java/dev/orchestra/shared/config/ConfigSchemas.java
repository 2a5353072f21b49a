package dev.orchestra.shared.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.shared.search.MetricStrategy;
import dev.orchestra.shared.search.Objective;
import dev.orchestra.shared.search.ParameterType;
import dev.orchestra.shared.search.SearchType;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON Schemas (draft-07, what editors' YAML language servers read) for cluster.yml, run.yml,
 * experiment.yml and Orchestra's own pool.yml, generated from the validators' field lists and the
 * model's enums, so that a field the validators accept is in the schema and a field they reject is
 * not. Descriptions give SigOpt's meaning of each field.
 */
public final class ConfigSchemas {
  private ConfigSchemas() {}

  public static final String DRAFT = "http://json-schema.org/draft-07/schema#";
  private static final JsonNodeFactory N = JsonNodeFactory.instance;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The schema file name of a kind: {@code cluster.schema.json}. */
  public static String fileName(ConfigKind kind) {
    return kind.name().toLowerCase(Locale.ROOT) + ".schema.json";
  }

  /** Every schema by kind, in a stable order. */
  public static Map<ConfigKind, ObjectNode> all() {
    Map<ConfigKind, ObjectNode> m = new LinkedHashMap<>();
    m.put(ConfigKind.CLUSTER, cluster());
    m.put(ConfigKind.RUN, run());
    m.put(ConfigKind.EXPERIMENT, experiment());
    m.put(ConfigKind.POOL, pool());
    return m;
  }

  /** The schema as the shipped file holds it (indented JSON and a final newline). */
  public static String text(ObjectNode schema) {
    try {
      return JSON.writeValueAsString(schema).replace("\r\n", "\n") + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- cluster.yml ------------------------------------------------------------------------

  static ObjectNode cluster() {
    ObjectNode s = root("cluster.yml", "An Orchestra (SigOpt Orchestrate) cluster configuration.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put(
        "cluster_name",
        string(
                "The cluster's name: letters, digits, - and _, starting with a letter or digit, at"
                    + " most "
                    + ClusterValidator.MAX_NAME
                    + " characters.")
            .put("pattern", "^" + ClusterValidator.CLUSTER_NAME.pattern() + "$")
            .put("maxLength", ClusterValidator.MAX_NAME));
    p.put(
        "provider",
        enumOf(
            "aws: Orchestra creates the cluster on EKS. custom: an existing cluster you connect.",
            Provider.values(),
            "aws"));
    p.put("cpu", ref("nodeGroup", "CPU nodes for runs (optional; cpu, gpu or both)."));
    p.put(
        "gpu",
        ref(
            "nodeGroup",
            "GPU nodes for runs: an NVIDIA instance family (g4dn, g5, g6, p4d, ...)."));
    p.put(
        "system",
        ref(
            "systemGroup",
            "The nodes that run the cluster's own services (default: one t3.large)."));
    p.put(
        "kubernetes_version",
        string(
                "The EKS Kubernetes version, quoted (YAML reads 1.30 as 1.3); supported: "
                    + String.join(", ", EksVersions.SUPPORTED)
                    + ". Default: the newest.")
            .set("enum", strings(EksVersions.SUPPORTED)));
    ObjectNode aws = object("AWS settings for the cluster.");
    aws.set(
        "properties",
        props(
            ClusterValidator.AWS_FIELDS,
            Map.of(
                "aws_access_key_id",
                string(
                    "Credentials the CLI signs this command with (never sent to Orchestra);"
                        + " prefer your AWS profile."),
                "aws_secret_access_key",
                string("The secret of aws_access_key_id (never sent to Orchestra)."),
                "additional_policies",
                array(
                    "IAM policy ARNs attached to the nodes' role, e.g. for S3 access.",
                    string("An IAM policy ARN.")
                        .put("pattern", "^" + ClusterValidator.POLICY_ARN.pattern() + "$")))));
    p.put("aws", aws);
    ObjectNode tags =
        object("AWS tags on the cluster's resources (key: value).").put("maxProperties", 50);
    tags.set(
        "additionalProperties",
        string("A tag value (at most 256 characters).").put("maxLength", 256));
    p.put("tags", tags);
    p.put(
        "idle_timeout_minutes",
        integer("Minutes without runs before idle_action happens (1 to 525600).", 1)
            .put("maximum", 525_600));
    p.put(
        "idle_action",
        enumOf(
            "What happens to an idle cluster: scale_to_zero (cpu and gpu nodes to 0) or destroy.",
            IdleAction.values(),
            "scale_to_zero"));
    s.set("properties", props(ClusterValidator.FIELDS, p));
    s.set("required", strings(List.of("cluster_name")));
    s.put("additionalProperties", false);
    s.set("anyOf", anyRequired("cpu", "gpu"));

    ObjectNode defs = N.objectNode();
    defs.set("nodeGroup", nodeGroup(ClusterValidator.GROUP_FIELDS, true));
    defs.set("systemGroup", nodeGroup(ClusterValidator.SYSTEM_FIELDS, false));
    s.set("definitions", defs);
    return s;
  }

  private static ObjectNode nodeGroup(List<String> fields, boolean required) {
    ObjectNode g = object(required ? "A node group." : "The system node group.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put(
        "instance_type",
        string("The EC2 instance type, e.g. m5.large or g5.xlarge.")
            .put("pattern", "^" + ClusterValidator.INSTANCE_TYPE.pattern() + "$"));
    p.put("min_nodes", integer("The fewest nodes the group scales down to.", required ? 0 : 1));
    p.put(
        "max_nodes",
        integer("The most nodes the group scales up to (at most 1000).", required ? 0 : 1)
            .put("maximum", 1000));
    p.put("spot", bool("Use EC2 Spot instances (cheaper, may be interrupted)."));
    p.put(
        "node_volume_size",
        integer("Each node's disk in GiB (1 to 16384).", 1).put("maximum", 16384));
    p.keySet().retainAll(fields); // system nodes never use spot
    g.set("properties", props(fields, p));
    if (required) {
      g.set("required", strings(List.of("instance_type", "min_nodes", "max_nodes")));
    }
    g.put("additionalProperties", false);
    return g;
  }

  // ---- run.yml ----------------------------------------------------------------------------

  static ObjectNode run() {
    ObjectNode s = root("run.yml", "An Orchestra (SigOpt Orchestrate) run configuration.");
    copyRun(s);
    s.set("definitions", runDefinitions());
    return s;
  }

  private static void copyRun(ObjectNode target) {
    ObjectNode r = runObject("#/definitions/");
    r.fields().forEachRemaining(e -> target.set(e.getKey(), e.getValue()));
  }

  private static ObjectNode runObject(String defs) {
    ObjectNode s = object("How one training run is started.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("name", string("A name for the run configuration."));
    ObjectNode command =
        N.objectNode()
            .put(
                "description",
                "The command that trains, run in the image (locally: in run.yml's folder): a"
                    + " string (split like a shell would, without a shell) or a list of"
                    + " arguments.");
    ArrayNode oneOf = command.putArray("oneOf");
    oneOf.addObject().put("type", "string").put("minLength", 1);
    oneOf
        .addObject()
        .put("type", "array")
        .put("minItems", 1)
        .set("items", N.objectNode().put("type", "string"));
    p.put("run", command);
    p.put(
        "image",
        string(
            "The container image: a bare name (my-run) is that repository in your account's ECR,"
                + " tag latest; or a full reference."));
    ObjectNode resources = object("What one run needs; Kubernetes requests and limits.");
    resources.set(
        "properties",
        props(
            RunValidator.RESOURCE_FIELDS,
            Map.of(
                "requests",
                N.objectNode()
                    .put("$ref", defs + "amounts")
                    .put("description", "What the run is guaranteed (Kubernetes requests)."),
                "limits",
                N.objectNode()
                    .put("$ref", defs + "amounts")
                    .put("description", "The most the run may use (Kubernetes limits)."),
                "gpus",
                integer("Whole GPUs per run (0 to " + RunValidator.MAX_GPUS + ").", 0)
                    .put("maximum", RunValidator.MAX_GPUS))));
    resources.put("additionalProperties", false);
    p.put("resources", resources);
    ObjectNode aws =
        object(
            "AWS credentials the run's code uses, given to the pod as a Kubernetes Secret (never"
                + " stored by Orchestra).");
    aws.set(
        "properties",
        props(
            RunValidator.AWS_FIELDS,
            Map.of(
                "aws_access_key_id", string("An AWS access key id."),
                "aws_secret_access_key", string("Its secret."))));
    aws.set("required", strings(RunValidator.AWS_FIELDS));
    aws.put("additionalProperties", false);
    p.put("aws", aws);
    s.set("properties", props(RunValidator.FIELDS, p));
    s.set("required", strings(List.of("run")));
    s.put("additionalProperties", false);
    return s;
  }

  private static ObjectNode runDefinitions() {
    ObjectNode defs = N.objectNode();
    ObjectNode amounts = object("Kubernetes quantities: cpu (0.5, 500m), memory (512Mi, 4Gi).");
    ObjectNode quantity =
        N.objectNode()
            .put(
                "description",
                "A Kubernetes quantity: a number, or a string such as 500m, 512Mi, 4Gi, 1e9.");
    ArrayNode q = quantity.putArray("oneOf");
    q.addObject().put("type", "number").put("minimum", 0);
    q.addObject().put("type", "string").put("pattern", "^" + RunValidator.QUANTITY.pattern() + "$");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    for (String f : RunValidator.AMOUNT_FIELDS) {
      p.put(f, quantity.deepCopy());
    }
    amounts.set("properties", props(RunValidator.AMOUNT_FIELDS, p));
    amounts.put("additionalProperties", false);
    defs.set("amounts", amounts);
    return defs;
  }

  // ---- experiment.yml ---------------------------------------------------------------------

  static ObjectNode experiment() {
    ObjectNode s =
        root("experiment.yml", "An Orchestra (SigOpt Orchestrate) experiment configuration.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("name", string("The experiment's name.").put("minLength", 1));
    p.put(
        "metrics",
        array(
                "The metrics each run reports: one or two optimized, plus constraints and stored"
                    + " ones.",
                ref("metric", null))
            .put("minItems", 1));
    p.put(
        "parameters",
        array("The hyperparameters to search.", ref("parameter", null)).put("minItems", 1));
    p.put(
        "type",
        enumOf(
            "The search: offline (Bayesian optimization, the default), random or grid.",
            SearchType.values(),
            "offline"));
    p.put(
        "budget",
        integer("How many runs to make (for grid, at most the grid size; optional there).", 1));
    p.put("parallel_bandwidth", integer("How many runs may run at once (default 1).", 1));
    p.put(
        "max_failed_runs",
        integer("Stop the experiment after this many failed runs (default: half the runs).", 1));
    p.put(
        "cluster",
        string("Orchestra: the cluster the runs go to (default: the configured default).")
            .put("pattern", "^" + ClusterValidator.CLUSTER_NAME.pattern() + "$"));
    p.put(
        "pool",
        string("Orchestra: the EC2 pool the runs go to, instead of a cluster.")
            .put("pattern", "^" + ClusterValidator.CLUSTER_NAME.pattern() + "$"));
    p.put(
        "max_run_minutes",
        N.objectNode()
            .put("type", "number")
            .put("exclusiveMinimum", 0)
            .put("description", "Orchestra: a run's time limit in minutes; longer runs fail."));
    ObjectNode run = runObject("#/definitions/");
    run.put("description", "run.yml embedded in the experiment, instead of a file beside it.");
    p.put("run", run);
    ObjectNode props = props(ExperimentValidator.FIELDS, p);
    unsupported(props, ExperimentValidator.UNSUPPORTED);
    s.set("properties", props);
    s.set("required", strings(List.of("name", "metrics", "parameters")));
    s.put("additionalProperties", false);
    // budget is required unless the search is a grid.
    ObjectNode ifGrid = N.objectNode();
    ifGrid.putObject("properties").putObject("type").put("const", "grid");
    ifGrid.set("required", strings(List.of("type")));
    s.set("if", ifGrid);
    s.putObject("else").set("required", strings(List.of("budget")));
    s.putObject("not").set("required", strings(List.of("cluster", "pool")));

    ObjectNode defs = runDefinitions();
    defs.set("metric", metric());
    defs.set("parameter", parameter());
    s.set("definitions", defs);
    return s;
  }

  private static ObjectNode metric() {
    ObjectNode m = object("A metric the run reports.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("name", string("The metric's name, as the run reports it.").put("minLength", 1));
    p.put(
        "objective",
        enumOf(
            "Make the metric large or small (default maximize).", Objective.values(), "maximize"));
    p.put(
        "strategy",
        enumOf(
            "optimize (the default; at most two), constraint (must beat threshold) or store"
                + " (recorded only).",
            MetricStrategy.values(),
            "optimize"));
    p.put(
        "threshold",
        N.objectNode()
            .put("type", "number")
            .put(
                "description",
                "For a constraint: the value a run must reach in the objective's direction."));
    m.set("properties", props(ExperimentValidator.METRIC_FIELDS, p));
    m.set("required", strings(List.of("name")));
    m.put("additionalProperties", false);
    ObjectNode ifConstraint = N.objectNode();
    ifConstraint.putObject("properties").putObject("strategy").put("const", "constraint");
    ifConstraint.set("required", strings(List.of("strategy")));
    m.set("if", ifConstraint);
    m.putObject("then").set("required", strings(List.of("threshold")));
    return m;
  }

  private static ObjectNode parameter() {
    ObjectNode m = object("A hyperparameter.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put("name", string("The parameter's name, as the run reads it.").put("minLength", 1));
    p.put("type", enumOf("double, int or categorical.", ParameterType.values(), null));
    ObjectNode bounds = object("The range to search (double and int parameters).");
    Map<String, ObjectNode> b = new LinkedHashMap<>();
    b.put("min", N.objectNode().put("type", "number").put("description", "The lowest value."));
    b.put("max", N.objectNode().put("type", "number").put("description", "The highest value."));
    bounds.set("properties", props(ExperimentValidator.BOUNDS_FIELDS, b));
    bounds.set("required", strings(ExperimentValidator.BOUNDS_FIELDS));
    bounds.put("additionalProperties", false);
    p.put("bounds", bounds);
    ObjectNode named = object("A categorical value in SigOpt's object form.");
    named.putObject("properties").set("name", string("The value."));
    ((ObjectNode) named.get("properties")).set("enum_index", integer("Ignored.", 0));
    named.set("required", strings(List.of("name")));
    named.put("additionalProperties", false);
    ObjectNode value = N.objectNode();
    ArrayNode oneOf = value.putArray("oneOf");
    oneOf.addObject().put("type", "string").put("minLength", 1);
    oneOf.add(named);
    p.put(
        "categorical_values",
        array("The values of a categorical parameter.", value).put("minItems", 1));
    ObjectNode grid =
        array(
            "The values a grid search tries (grid experiments).",
            N.objectNode().set("type", strings(List.of("number", "string"))));
    grid.put("minItems", 1);
    p.put("grid", grid);
    p.put(
        "transformation",
        N.objectNode()
            .put("type", "string")
            .put(
                "description",
                "log: search the parameter on a log scale (bounds.min must be above 0).")
            .set("enum", strings(List.of("log"))));
    ObjectNode props = props(ExperimentValidator.PARAMETER_FIELDS, p);
    unsupported(props, ExperimentValidator.PARAMETER_UNSUPPORTED);
    m.set("properties", props);
    m.set("required", strings(List.of("name", "type")));
    m.put("additionalProperties", false);
    ArrayNode allOf = m.putArray("allOf");
    ObjectNode cat = allOf.addObject();
    cat.putObject("if").putObject("properties").putObject("type").put("const", "categorical");
    cat.putObject("then").set("required", strings(List.of("categorical_values")));
    cat.putObject("else").set("required", strings(List.of("bounds")));
    return m;
  }

  // ---- pool.yml ---------------------------------------------------------------------------

  static ObjectNode pool() {
    ObjectNode s =
        root(
            "pool.yml",
            "An Orchestra EC2 pool: instances that each run the Orchestra agent and take an"
                + " experiment's runs, without Kubernetes.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put(
        "pool_name",
        string(
                "The pool's name: lowercase letters, digits and -, starting with a letter and not"
                    + " ending with -, at most "
                    + PoolValidator.MAX_NAME
                    + " characters. Orchestra manages only the instances tagged "
                    + PoolConfig.OWNERSHIP_TAG
                    + " with this name; experiments name it in their pool field.")
            .put("pattern", "^" + PoolValidator.POOL_NAME.pattern() + "$")
            .put("maxLength", PoolValidator.MAX_NAME));
    p.put(
        "instance_types",
        array(
                "EC2 instance types, tried in this order when EC2 has no capacity for the one"
                    + " before (at most "
                    + PoolValidator.MAX_TYPES
                    + ", each once).",
                string("An EC2 instance type, e.g. g5.xlarge.")
                    .put("pattern", "^" + ClusterValidator.INSTANCE_TYPE.pattern() + "$"))
            .put("minItems", 1)
            .put("maxItems", PoolValidator.MAX_TYPES)
            .put("uniqueItems", true));
    p.put(
        "spot",
        bool("Launch EC2 Spot instances (cheaper, may be interrupted); default false.")
            .put("default", false));
    p.put(
        "on_demand_fallback",
        bool("With spot: true, when no listed type has spot capacity, launch the types on"
                + " demand, in the same order; default false.")
            .put("default", false));
    p.put(
        "max_instances",
        integer(
                "The most instances the pool runs at once, pending ones included (1 to "
                    + PoolValidator.MAX_INSTANCES
                    + ").",
                1)
            .put("maximum", PoolValidator.MAX_INSTANCES));
    p.put(
        "idle_timeout_minutes",
        integer(
                "An instance whose agent has had no work for this many minutes shuts down (1 to "
                    + PoolValidator.MAX_IDLE_MINUTES
                    + ", a day).",
                1)
            .put("maximum", PoolValidator.MAX_IDLE_MINUTES)
            .put("default", PoolConfig.DEFAULT_IDLE_TIMEOUT_MINUTES));
    p.put(
        "ami",
        string(
                "A fixed AMI id of this region, with Docker and the AWS CLI (or ami_discovery;"
                    + " exactly one of the two).")
            .put("pattern", "^" + PoolValidator.AMI_ID.pattern() + "$"));
    p.put(
        "ami_discovery",
        ref(
            "amiDiscovery",
            "Use the newest AMI of one owner account you trust whose name matches (or ami; exactly"
                + " one of the two)."));
    p.put(
        "volume_type",
        string("The root volume's EBS type (st1, sc1 and standard cannot boot an instance).")
            .put("default", PoolConfig.DEFAULT_VOLUME_TYPE)
            .set("enum", strings(PoolValidator.ROOT_VOLUME_TYPES)));
    p.put(
        "volume_size",
        integer(
                "The root volume's size in GiB (8 to 16384); GPU images need room for drivers and"
                    + " the run's image.",
                8)
            .put("maximum", 16384)
            .put("default", PoolConfig.DEFAULT_VOLUME_SIZE_GIB));
    p.put(
        "subnets",
        array(
                "The subnets instances launch in, by id (default: the default VPC's default"
                    + " subnets).",
                string("A subnet id, e.g. subnet-0123456789abcdef0.")
                    .put("pattern", "^" + PoolValidator.SUBNET_ID.pattern() + "$"))
            .put("uniqueItems", true));
    p.put(
        "security_group",
        string(
                "The instances' security group, by id, not name (default: the VPC's default"
                    + " group).")
            .put("pattern", "^" + PoolValidator.SECURITY_GROUP_ID.pattern() + "$"));
    p.put(
        "setup_cmds",
        array(
                "Shell commands each instance runs once at boot, before the agent starts (at most "
                    + PoolValidator.MAX_SETUP_CMDS
                    + " commands and "
                    + PoolValidator.MAX_SETUP_BYTES
                    + " bytes in all: they travel in EC2 user data).",
                string("A shell command, e.g. nvidia-smi.").put("pattern", "\\S"))
            .put("maxItems", PoolValidator.MAX_SETUP_CMDS));
    ObjectNode props = props(PoolValidator.FIELDS, p);
    unsupported(props, PoolValidator.UNSUPPORTED);
    s.set("properties", props);
    s.set("required", strings(List.of("pool_name", "instance_types", "max_instances")));
    s.put("additionalProperties", false);
    // exactly one of ami and ami_discovery.
    s.set("oneOf", anyRequired("ami", "ami_discovery"));
    // on_demand_fallback: true needs spot: true.
    ObjectNode ifFallback = N.objectNode();
    ifFallback.putObject("properties").putObject("on_demand_fallback").put("const", true);
    ifFallback.set("required", strings(List.of("on_demand_fallback")));
    s.set("if", ifFallback);
    ObjectNode then = s.putObject("then");
    then.putObject("properties").putObject("spot").put("const", true);
    then.set("required", strings(List.of("spot")));

    ObjectNode defs = N.objectNode();
    defs.set("amiDiscovery", amiDiscovery());
    s.set("definitions", defs);
    return s;
  }

  private static ObjectNode amiDiscovery() {
    ObjectNode d = object("The newest AMI of one owner account whose name matches.");
    Map<String, ObjectNode> p = new LinkedHashMap<>();
    p.put(
        "owner",
        string(
                "The 12-digit account id that publishes the image, quoted (YAML drops leading"
                    + " zeros of a number); aliases such as amazon or self are refused.")
            .put("pattern", "^" + PoolValidator.ACCOUNT_ID.pattern() + "$"));
    ObjectNode name =
        string(
                "The image name, EC2's name filter: * and ? are wildcards, e.g."
                    + " my-agent-image-* (3 to 128 characters; not wildcards alone).")
            .put("pattern", "^" + PoolValidator.IMAGE_NAME.pattern() + "$");
    name.putObject("not").put("pattern", "^[*?\\s]*$");
    p.put("name", name);
    p.put(
        "architecture",
        string("The image's architecture (default x86_64).")
            .put("default", PoolValidator.ARCHITECTURES.get(0))
            .set("enum", strings(PoolValidator.ARCHITECTURES)));
    ObjectNode props = props(PoolValidator.DISCOVERY_FIELDS, p);
    unsupported(props, PoolValidator.DISCOVERY_UNSUPPORTED);
    d.set("properties", props);
    d.set("required", strings(List.of("owner", "name")));
    d.put("additionalProperties", false);
    return d;
  }

  // ---- building blocks --------------------------------------------------------------------

  private static ObjectNode root(String file, String title) {
    ObjectNode s = N.objectNode();
    s.put("$schema", DRAFT);
    s.put("title", title);
    s.put("type", "object");
    return s;
  }

  /**
   * The properties in the validator's order; a field without a schema here is a bug in this class,
   * and so is a schema for a field the validator does not accept.
   */
  private static ObjectNode props(List<String> fields, Map<String, ObjectNode> schemas) {
    ObjectNode o = N.objectNode();
    for (String f : fields) {
      ObjectNode s = schemas.get(f);
      if (s == null) {
        throw new IllegalStateException("no schema for the field " + f);
      }
      o.set(f, s);
    }
    for (String f : schemas.keySet()) {
      if (!fields.contains(f)) {
        throw new IllegalStateException("schema for " + f + ", a field the validator rejects");
      }
    }
    return o;
  }

  /** SigOpt fields Orchestra refuses: present so editors explain them, and never valid. */
  private static void unsupported(ObjectNode props, Map<String, String> reasons) {
    new java.util.TreeMap<>(reasons)
        .forEach(
            (field, why) ->
                props.set(
                    field, N.objectNode().put("description", why).set("not", N.objectNode())));
  }

  private static ObjectNode object(String description) {
    return N.objectNode().put("type", "object").put("description", description);
  }

  private static ObjectNode string(String description) {
    return N.objectNode().put("type", "string").put("description", description);
  }

  private static ObjectNode bool(String description) {
    return N.objectNode().put("type", "boolean").put("description", description);
  }

  private static ObjectNode integer(String description, int minimum) {
    return N.objectNode()
        .put("type", "integer")
        .put("minimum", minimum)
        .put("description", description);
  }

  private static ObjectNode array(String description, ObjectNode items) {
    ObjectNode a = N.objectNode().put("type", "array").put("description", description);
    a.set("items", items);
    return a;
  }

  private static ObjectNode ref(String def, String description) {
    ObjectNode r = N.objectNode().put("$ref", "#/definitions/" + def);
    if (description != null) {
      r.put("description", description);
    }
    return r;
  }

  private static ObjectNode enumOf(String description, Enum<?>[] values, String dflt) {
    ObjectNode e = string(description);
    ArrayNode a = e.putArray("enum");
    for (Enum<?> v : values) {
      a.add(v.name().toLowerCase(Locale.ROOT));
    }
    if (dflt != null) {
      e.put("default", dflt);
    }
    return e;
  }

  private static ArrayNode strings(java.util.Collection<String> values) {
    ArrayNode a = N.arrayNode();
    values.forEach(a::add);
    return a;
  }

  private static ArrayNode anyRequired(String... fields) {
    ArrayNode a = N.arrayNode();
    for (String f : fields) {
      a.addObject().set("required", strings(List.of(f)));
    }
    return a;
  }
}
