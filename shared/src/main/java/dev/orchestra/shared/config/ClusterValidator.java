package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** cluster.yml rules. */
final class ClusterValidator {
  private ClusterValidator() {}

  static final List<String> FIELDS =
      List.of(
          "cluster_name",
          "provider",
          "cpu",
          "gpu",
          "system",
          "kubernetes_version",
          "aws",
          "tags",
          "idle_timeout_minutes",
          "idle_action");
  static final List<String> GROUP_FIELDS =
      List.of("instance_type", "min_nodes", "max_nodes", "spot", "node_volume_size");
  static final List<String> SYSTEM_FIELDS =
      List.of("instance_type", "min_nodes", "max_nodes", "node_volume_size");
  static final List<String> AWS_FIELDS =
      List.of("aws_access_key_id", "aws_secret_access_key", "additional_policies");

  /** EKS cluster names; 48 characters so that {@code <name>-k8s-access-role} fits IAM's 64. */
  static final Pattern CLUSTER_NAME = Pattern.compile("[0-9A-Za-z][A-Za-z0-9\\-_]*");

  static final int MAX_NAME = 48;
  static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9-]+");
  static final Pattern POLICY_ARN =
      Pattern.compile(
          "arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z])?:iam::(?:aws|[0-9]{12}):policy/"
              + "(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,128}");
  static final Pattern TAG_CHARS = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

  static ClusterConfig validate(ObjectNode root, Checker c) {
    int before = c.count();
    c.unknownFields(root, "", FIELDS, Map.of());

    String name = clusterName(root, "", "cluster_name", c, true);
    String providerText = c.choice(root, "", "provider", List.of("aws", "custom"), "aws");
    Provider provider =
        providerText == null ? null : Provider.valueOf(providerText.toUpperCase(Locale.ROOT));

    NodeGroup cpu = group(root, "cpu", c);
    NodeGroup gpu = group(root, "gpu", c);
    if (Checker.get(root, "cpu") == null && Checker.get(root, "gpu") == null) {
      c.add(
          "",
          "the cluster has no cpu or gpu section, so runs have nowhere to go",
          "add a node group, e.g. cpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}");
    }
    if (gpu != null && gpu.instanceType() != null) {
      String why = GpuFamilies.whyNot(gpu.instanceType());
      if (why != null) {
        c.add("gpu.instance_type", why, GpuFamilies.REPLACEMENT);
      }
    }
    NodeGroup system = system(root, c);
    String version = kubernetesVersion(root, c);
    ClusterAws aws = aws(root, c);
    Map<String, String> tags = tags(root, c);

    Long idle = c.integer(root, "", "idle_timeout_minutes", false, "idle_timeout_minutes: 60");
    if (idle != null && (idle < 1 || idle > 525_600)) {
      c.add(
          "idle_timeout_minutes",
          "idle_timeout_minutes must be between 1 and 525600 (a year), not " + idle,
          "write e.g. idle_timeout_minutes: 60, or leave it out to never idle out");
      idle = null;
    }
    String actionText =
        c.choice(root, "", "idle_action", List.of("scale_to_zero", "destroy"), "scale_to_zero");
    if (Checker.get(root, "idle_action") != null
        && Checker.get(root, "idle_timeout_minutes") == null) {
      c.add(
          "idle_action",
          "idle_action has no effect without idle_timeout_minutes",
          "add idle_timeout_minutes (e.g. 60), or remove idle_action");
    }
    if (c.count() > before) {
      return null;
    }
    return new ClusterConfig(
        name,
        provider,
        cpu,
        gpu,
        system,
        version,
        aws,
        tags,
        idle == null ? null : idle.intValue(),
        IdleAction.valueOf(actionText.toUpperCase(Locale.ROOT)));
  }

  static String clusterName(ObjectNode parent, String path, String field, Checker c, boolean req) {
    String name = c.string(parent, path, field, req, field + ": my-cluster");
    if (name == null) {
      return null;
    }
    String where = Checker.at(path, field);
    if (name.length() > MAX_NAME) {
      c.add(
          where,
          field + " is " + name.length() + " characters, above the limit of " + MAX_NAME,
          "shorten it to " + MAX_NAME + " characters or fewer");
    }
    if (!CLUSTER_NAME.matcher(name).matches()) {
      c.add(
          where,
          field
              + " '"
              + Names.shorten(name)
              + "' is not a valid EKS cluster name: it must start with a letter or digit and"
              + " hold only letters, digits, '-' and '_'",
          "use e.g. " + field + ": " + suggestName(name));
    }
    return name;
  }

  private static String suggestName(String name) {
    String s = name.replaceAll("[^A-Za-z0-9\\-_]+", "-").replaceAll("^[^A-Za-z0-9]+", "");
    if (s.isEmpty()) {
      s = "my-cluster";
    }
    return s.length() > MAX_NAME ? s.substring(0, MAX_NAME) : s;
  }

  private static NodeGroup group(ObjectNode root, String field, Checker c) {
    String example =
        field
            + ": {instance_type: "
            + (field.equals("gpu") ? "g5.xlarge" : "m5.large")
            + ", min_nodes: 0, max_nodes: 2}";
    ObjectNode g = c.mapping(root, "", field, false, example);
    if (g == null) {
      return null;
    }
    int before = c.count();
    c.unknownFields(g, field, GROUP_FIELDS, Map.of());
    String type = instanceType(g, field, c, true, example);
    Long min = c.integer(g, field, "min_nodes", true, field + ".min_nodes: 0");
    Long max = c.integer(g, field, "max_nodes", true, field + ".max_nodes: 2");
    Boolean spot = c.bool(g, field, "spot");
    Long volume = volume(g, field, c);
    if (min != null && min < 0) {
      c.add(
          field + ".min_nodes",
          "min_nodes must be 0 or more, not " + min,
          "write min_nodes: 0 to let the group scale to zero");
    }
    if (max != null && max <= 0) {
      c.add(
          field + ".max_nodes",
          "max_nodes must be above 0, not " + max,
          "write max_nodes: 1 or more; to have no " + field + " nodes, remove the section");
    }
    if (min != null && max != null && min >= 0 && max > 0 && min > max) {
      c.add(
          field + ".min_nodes",
          "min_nodes (" + min + ") is above max_nodes (" + max + ")",
          "make min_nodes at most max_nodes");
    }
    if (max != null && max > 1000) {
      c.add(
          field + ".max_nodes",
          "max_nodes " + max + " is above EKS's limit of 1000 nodes per node group",
          "write max_nodes: 1000 or fewer");
    }
    if (c.count() > before) {
      return null;
    }
    return new NodeGroup(
        type,
        min.intValue(),
        max.intValue(),
        spot != null && spot,
        volume == null ? null : volume.intValue());
  }

  private static Long volume(ObjectNode g, String path, Checker c) {
    Long volume = c.integer(g, path, "node_volume_size", false, "node_volume_size: 100");
    if (volume != null && (volume < 1 || volume > 16384)) {
      c.add(
          path + ".node_volume_size",
          "node_volume_size must be between 1 and 16384 GiB, not " + volume,
          "write e.g. node_volume_size: 100, or leave it out for the default");
      return null;
    }
    return volume;
  }

  private static String instanceType(
      ObjectNode g, String path, Checker c, boolean required, String example) {
    String type = c.string(g, path, "instance_type", required, example);
    if (type != null && !INSTANCE_TYPE.matcher(type).matches()) {
      c.add(
          path + ".instance_type",
          "instance_type '" + Names.shorten(type) + "' is not an EC2 instance type",
          "write an instance type such as m5.large or g5.xlarge");
      return null;
    }
    return type;
  }

  private static NodeGroup system(ObjectNode root, Checker c) {
    ObjectNode s =
        c.mapping(root, "", "system", false, "system: {instance_type: t3.large, min_nodes: 1}");
    if (s == null) {
      return NodeGroup.SYSTEM_DEFAULT;
    }
    int before = c.count();
    c.unknownFields(s, "system", SYSTEM_FIELDS, Map.of("spot", "system nodes never use spot"));
    NodeGroup d = NodeGroup.SYSTEM_DEFAULT;
    String type = instanceType(s, "system", c, false, null);
    Long min = c.integer(s, "system", "min_nodes", false, "system.min_nodes: 1");
    Long max = c.integer(s, "system", "max_nodes", false, "system.max_nodes: 2");
    Long volume = volume(s, "system", c);
    long mn = min == null ? d.minNodes() : min;
    long mx = max == null ? Math.max(d.maxNodes(), mn) : max;
    if (min != null && min < 1) {
      c.add(
          "system.min_nodes",
          "system.min_nodes must be 1 or more, not "
              + min
              + " (the system nodes run the cluster's own services)",
          "write system.min_nodes: 1");
    }
    if (mx < mn) {
      c.add(
          "system.max_nodes",
          "system.max_nodes (" + mx + ") is below system.min_nodes (" + mn + ")",
          "make max_nodes at least min_nodes");
    }
    if (c.count() > before) {
      return null;
    }
    return new NodeGroup(
        type == null ? d.instanceType() : type,
        (int) mn,
        (int) mx,
        false,
        volume == null ? null : volume.intValue());
  }

  private static String kubernetesVersion(ObjectNode root, Checker c) {
    JsonNode v = Checker.get(root, "kubernetes_version");
    if (v == null) {
      return null;
    }
    String supported = String.join(", ", EksVersions.SUPPORTED);
    if (v.isNumber()) {
      String written = v.isBigDecimal() ? v.decimalValue().toPlainString() : v.asText();
      c.add(
          "kubernetes_version",
          "kubernetes_version is the number "
              + Names.shorten(written)
              + ", not a string; YAML reads an unquoted 1.30 as 1.3",
          "quote it: kubernetes_version: '" + Names.shorten(written) + "'");
      return null;
    }
    if (!v.isTextual()) {
      c.add(
          "kubernetes_version",
          "kubernetes_version must be a quoted version string, not " + YamlLoader.describe(v),
          "write kubernetes_version: '" + EksVersions.newest() + "', or leave it out");
      return null;
    }
    String version = v.asText().trim();
    if (!EksVersions.isSupported(version)) {
      c.add(
          "kubernetes_version",
          "kubernetes_version '"
              + Names.shorten(version)
              + "' is not offered by EKS; supported versions: "
              + supported,
          "write kubernetes_version: '"
              + EksVersions.newest()
              + "' (or another supported version), or remove the line to use the newest");
      return null;
    }
    return version;
  }

  private static ClusterAws aws(ObjectNode root, Checker c) {
    ObjectNode aws = c.mapping(root, "", "aws", false, "aws: {additional_policies: [ARN]}");
    if (aws == null) {
      return ClusterAws.NONE;
    }
    c.unknownFields(aws, "aws", AWS_FIELDS, Map.of());
    String key = c.string(aws, "aws", "aws_access_key_id", false, null, true);
    String secret = c.string(aws, "aws", "aws_secret_access_key", false, null, true);
    boolean hasKey = Checker.get(aws, "aws_access_key_id") != null;
    if (hasKey != (Checker.get(aws, "aws_secret_access_key") != null)) {
      c.add(
          "aws",
          "aws_access_key_id and aws_secret_access_key go together; only one is set",
          "set both, or remove both to use your default AWS credentials");
    }
    ArrayNode list =
        c.list(
            aws,
            "aws",
            "additional_policies",
            false,
            "additional_policies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]");
    List<String> policies = new ArrayList<>();
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        String where = "aws.additional_policies[" + i + "]";
        String arn = c.text(list.get(i), where, "additional_policies[" + i + "]", null, false);
        if (arn == null) {
          continue;
        }
        if (!POLICY_ARN.matcher(arn).matches()) {
          c.add(
              where,
              "'" + Names.shorten(arn) + "' is not an IAM policy ARN",
              "write an ARN such as arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess or"
                  + " arn:aws:iam::123456789012:policy/my-policy");
        } else if (policies.contains(arn)) {
          c.add(where, "the policy " + arn + " is listed twice", "list each policy once");
        } else {
          policies.add(arn);
        }
      }
    }
    return new ClusterAws(key, secret, policies);
  }

  private static Map<String, String> tags(ObjectNode root, Checker c) {
    ObjectNode tags = c.mapping(root, "", "tags", false, "tags: {team: research}");
    Map<String, String> out = new LinkedHashMap<>();
    if (tags == null) {
      return out;
    }
    if (tags.size() > 40) {
      c.add(
          "tags",
          "there are "
              + tags.size()
              + " tags; AWS allows 50 per resource and Orchestra adds its"
              + " own, so at most 40",
          "remove tags until there are 40 or fewer");
    }
    Iterator<Map.Entry<String, JsonNode>> it = tags.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String where = "tags." + key;
      if (key.isEmpty() || key.length() > 128) {
        c.add(where, "a tag key must be 1 to 128 characters", "shorten the key");
      } else if (key.toLowerCase(Locale.ROOT).startsWith("aws:")) {
        c.add(where, "tag keys starting with 'aws:' are reserved by AWS", "rename the key");
      } else if (!TAG_CHARS.matcher(key).matches()) {
        c.add(
            where,
            "the tag key '" + Names.shorten(key) + "' has characters AWS does not allow",
            "use letters, digits, spaces and _ . : / = + - @");
      }
      JsonNode v = e.getValue();
      String value;
      if (v.isTextual()) {
        value = v.asText();
      } else if (v.isNull()) {
        value = "";
      } else {
        c.add(
            where,
            "tag values must be strings, not " + YamlLoader.describe(v),
            v.isValueNode()
                ? "quote it: " + key + ": '" + Names.shorten(v.asText()) + "'"
                : "write the tag as key: 'value'");
        continue;
      }
      if (value.length() > 256) {
        c.add(where, "a tag value must be at most 256 characters", "shorten the value");
      } else if (!TAG_CHARS.matcher(value).matches()) {
        c.add(
            where,
            "the tag value has characters AWS does not allow",
            "use letters, digits, spaces and _ . : / = + - @");
      } else {
        out.put(key, value);
      }
    }
    return out;
  }
}
