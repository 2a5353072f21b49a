package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** pool.yml rules. */
final class PoolValidator {
  private PoolValidator() {}

  static final List<String> FIELDS =
      List.of(
          "pool_name",
          "instance_types",
          "spot",
          "on_demand_fallback",
          "max_instances",
          "idle_timeout_minutes",
          "ami",
          "ami_discovery",
          "volume_type",
          "volume_size",
          "subnets",
          "security_group",
          "setup_cmds");

  static final List<String> DISCOVERY_FIELDS = List.of("owner", "name", "architecture");

  /** Fields people write in pool.yml that it does not take, and why. */
  static final Map<String, String> UNSUPPORTED =
      Map.of(
          "tags",
          "pool.yml takes no tags: every instance carries " + PoolConfig.OWNERSHIP_TAG + " only",
          "cluster_name",
          "cluster_name belongs in cluster.yml; a pool is named by pool_name");

  /** Fields people write in ami_discovery that it does not take, and why. */
  static final Map<String, String> DISCOVERY_UNSUPPORTED =
      Map.of(
          "owners",
          "ami_discovery takes one owner account, not a list",
          "tag",
          "AMIs are never picked by tag: anyone can publish an image with any tag",
          "tags",
          "AMIs are never picked by tag: anyone can publish an image with any tag");

  /**
   * Pool names: they name the work queue ({@code orchestra-pool-<name>}), the instance role under
   * /orchestra/ ({@code orchestra-pool-<name>-agent}, within IAM's 64 characters) and the tag.
   */
  static final Pattern POOL_NAME = Pattern.compile("[a-z]([a-z0-9-]*[a-z0-9])?");

  static final int MAX_NAME = 40;
  static final int MAX_TYPES = 10;
  static final int MAX_INSTANCES = 256;
  static final int MAX_IDLE_MINUTES = 1440;
  static final Pattern AMI_ID = Pattern.compile("ami-([0-9a-f]{8}|[0-9a-f]{17})");
  static final Pattern ACCOUNT_ID = Pattern.compile("[0-9]{12}");
  static final Pattern IMAGE_NAME = Pattern.compile("[A-Za-z0-9()\\[\\] ./'@_*?-]{3,128}");
  static final Pattern SUBNET_ID = Pattern.compile("subnet-([0-9a-f]{8}|[0-9a-f]{17})");
  static final Pattern SECURITY_GROUP_ID = Pattern.compile("sg-([0-9a-f]{8}|[0-9a-f]{17})");

  /** EBS types a root (boot) volume may have: st1 and sc1 cannot boot. */
  static final List<String> ROOT_VOLUME_TYPES = List.of("gp3", "gp2", "io1", "io2");

  static final List<String> ARCHITECTURES = List.of("x86_64", "arm64");
  static final int MAX_SETUP_CMDS = 50;

  /**
   * The setup commands' budget: EC2 user data holds 16 KB, and the agent script and its settings
   * need the rest.
   */
  static final int MAX_SETUP_BYTES = 8 * 1024;

  static PoolConfig validate(ObjectNode root, Checker c) {
    int before = c.count();
    c.unknownFields(root, "", FIELDS, UNSUPPORTED);
    String name = poolName(root, c);
    List<String> types = instanceTypes(root, c);
    Boolean spot = c.bool(root, "", "spot");
    Boolean fallback = c.bool(root, "", "on_demand_fallback");
    if (Boolean.TRUE.equals(fallback) && !Boolean.TRUE.equals(spot)) {
      c.add(
          "on_demand_fallback",
          "on_demand_fallback has no effect without spot: true (instances are already on demand)",
          "add spot: true, or remove on_demand_fallback");
    }
    Long max = c.integer(root, "", "max_instances", true, "max_instances: 4");
    if (max != null && (max < 1 || max > MAX_INSTANCES)) {
      c.add(
          "max_instances",
          "max_instances must be between 1 and " + MAX_INSTANCES + ", not " + max,
          "write e.g. max_instances: 4");
    }
    Long idle = c.integer(root, "", "idle_timeout_minutes", false, "idle_timeout_minutes: 10");
    if (idle != null && (idle < 1 || idle > MAX_IDLE_MINUTES)) {
      c.add(
          "idle_timeout_minutes",
          "idle_timeout_minutes must be between 1 and "
              + MAX_IDLE_MINUTES
              + " (a day), not "
              + idle
              + "; an idle instance keeps costing until it shuts down",
          "write e.g. idle_timeout_minutes: 10, or leave it out for "
              + PoolConfig.DEFAULT_IDLE_TIMEOUT_MINUTES);
    }
    String ami = ami(root, c);
    PoolConfig.AmiDiscovery discovery = discovery(root, c);
    boolean hasAmi = Checker.get(root, "ami") != null;
    boolean hasDiscovery = Checker.get(root, "ami_discovery") != null;
    if (hasAmi && hasDiscovery) {
      c.add(
          "ami_discovery",
          "both ami and ami_discovery are set; a pool uses one AMI",
          "keep ami for a fixed image, or ami_discovery for the newest of one owner; remove the"
              + " other");
    } else if (!hasAmi && !hasDiscovery) {
      c.add(
          "ami",
          "ami is required (or ami_discovery): instances need an image with Docker and the AWS"
              + " CLI",
          "add ami: ami-0123456789abcdef0, or ami_discovery: {owner: '123456789012', name:"
              + " 'my-agent-image-*'}");
    }
    String volumeType = PoolConfig.DEFAULT_VOLUME_TYPE;
    JsonNode typeNode = Checker.get(root, "volume_type");
    if (typeNode != null && List.of("st1", "sc1", "standard").contains(typeNode.asText())) {
      c.add(
          "volume_type",
          "volume_type "
              + typeNode.asText()
              + " cannot hold the root volume an instance boots from",
          "write volume_type: gp3 (or gp2, io1, io2)");
    } else if (typeNode != null) {
      volumeType = c.choice(root, "", "volume_type", ROOT_VOLUME_TYPES, null);
    }
    Long volume = c.integer(root, "", "volume_size", false, "volume_size: 100");
    if (volume != null && (volume < 8 || volume > 16384)) {
      c.add(
          "volume_size",
          "volume_size must be between 8 and 16384 GiB, not " + volume,
          "write e.g. volume_size: 100 (GPU images need room for drivers and the run's image)");
    }
    List<String> subnets = ids(root, "subnets", SUBNET_ID, "subnet-0123456789abcdef0", c);
    String group = c.string(root, "", "security_group", false, "security_group: sg-0123abcd");
    if (group != null && !SECURITY_GROUP_ID.matcher(group).matches()) {
      c.add(
          "security_group",
          "security_group '" + Names.shorten(group) + "' is not a security group id",
          "write security_group: sg-0123456789abcdef0 (an id, not a group name)");
    }
    List<String> setup = setupCmds(root, c);
    if (c.count() > before) {
      return null;
    }
    return new PoolConfig(
        name,
        types,
        Boolean.TRUE.equals(spot),
        Boolean.TRUE.equals(fallback),
        max.intValue(),
        idle == null ? PoolConfig.DEFAULT_IDLE_TIMEOUT_MINUTES : idle.intValue(),
        ami,
        discovery,
        volumeType,
        volume == null ? PoolConfig.DEFAULT_VOLUME_SIZE_GIB : volume.intValue(),
        subnets,
        group,
        setup);
  }

  private static String poolName(ObjectNode root, Checker c) {
    String name = c.string(root, "", "pool_name", true, "pool_name: gpu-spot");
    if (name == null) {
      return null;
    }
    if (name.length() > MAX_NAME) {
      c.add(
          "pool_name",
          "pool_name is " + name.length() + " characters, above the limit of " + MAX_NAME,
          "shorten it to " + MAX_NAME + " characters or fewer");
    }
    if (!POOL_NAME.matcher(name).matches()) {
      String suggestion =
          name.toLowerCase(java.util.Locale.ROOT)
              .replaceAll("[^a-z0-9]+", "-")
              .replaceAll("^[^a-z]+", "")
              .replaceAll("-+$", "");
      c.add(
          "pool_name",
          "pool_name '"
              + Names.shorten(name)
              + "' is not a valid pool name: it must start with a lowercase letter and hold only"
              + " lowercase letters, digits and '-' (not at the end)",
          "use e.g. pool_name: " + (suggestion.isEmpty() ? "gpu-spot" : suggestion));
    }
    return name;
  }

  private static List<String> instanceTypes(ObjectNode root, Checker c) {
    ArrayNode list =
        c.list(
            root,
            "",
            "instance_types",
            true,
            "instance_types: [g5.xlarge, g6.xlarge] (tried in this order)");
    List<String> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.isEmpty()) {
      c.add(
          "instance_types",
          "instance_types is empty",
          "list at least one type, e.g. instance_types: [g5.xlarge]");
    }
    if (list.size() > MAX_TYPES) {
      c.add(
          "instance_types",
          "instance_types lists " + list.size() + " types; at most " + MAX_TYPES,
          "keep the " + MAX_TYPES + " you prefer, in order");
    }
    for (int i = 0; i < list.size(); i++) {
      String where = "instance_types[" + i + "]";
      String type = c.text(list.get(i), where, where, "g5.xlarge", false);
      if (type == null) {
        continue;
      }
      if (!ClusterValidator.INSTANCE_TYPE.matcher(type).matches()) {
        c.add(
            where,
            "'" + Names.shorten(type) + "' is not an EC2 instance type",
            "write an instance type such as g5.xlarge or m5.large");
      } else if (out.contains(type)) {
        c.add(where, type + " is listed twice", "list each type once, in the order to try them");
      } else {
        out.add(type);
      }
    }
    return out;
  }

  private static String ami(ObjectNode root, Checker c) {
    String ami = c.string(root, "", "ami", false, "ami: ami-0123456789abcdef0");
    if (ami != null && !AMI_ID.matcher(ami).matches()) {
      c.add(
          "ami",
          "ami '" + Names.shorten(ami) + "' is not an AMI id",
          "write ami: ami-0123456789abcdef0 (an id of this region), or use ami_discovery");
      return null;
    }
    return ami;
  }

  private static PoolConfig.AmiDiscovery discovery(ObjectNode root, Checker c) {
    ObjectNode d =
        c.mapping(
            root,
            "",
            "ami_discovery",
            false,
            "ami_discovery: {owner: '123456789012', name: 'my-agent-image-*'}");
    if (d == null) {
      return null;
    }
    int before = c.count();
    c.unknownFields(d, "ami_discovery", DISCOVERY_FIELDS, DISCOVERY_UNSUPPORTED);
    JsonNode ownerNode = Checker.get(d, "owner");
    String owner = null;
    if (ownerNode == null) {
      c.add(
          "ami_discovery.owner",
          "ami_discovery.owner is required: Orchestra picks images only from one owner account you"
              + " trust, never any public image whose name matches",
          "add owner: '123456789012' (the 12-digit account that publishes the image, quoted), or"
              + " use a fixed ami");
    } else if (ownerNode.isIntegralNumber()) {
      c.add(
          "ami_discovery.owner",
          "owner is a number; YAML drops an account id's leading zeros",
          "quote it: owner: '" + Names.shorten(ownerNode.asText()) + "'");
    } else {
      owner = c.text(ownerNode, "ami_discovery.owner", "owner", "owner: '123456789012'", false);
      if (owner != null && !ACCOUNT_ID.matcher(owner).matches()) {
        c.add(
            "ami_discovery.owner",
            "owner '"
                + Names.shorten(owner)
                + "' is not a 12-digit account id; aliases such as amazon, self or"
                + " aws-marketplace stand for many publishers",
            "write the publisher's account id, e.g. owner: '123456789012'");
        owner = null;
      }
    }
    String name = c.string(d, "ami_discovery", "name", true, "name: 'my-agent-image-*'");
    if (name != null && name.replace("*", "").replace("?", "").isBlank()) {
      c.add(
          "ami_discovery.name",
          "name '" + Names.shorten(name) + "' matches every image of the owner",
          "name the image family, e.g. name: 'my-agent-image-*'");
    } else if (name != null && !IMAGE_NAME.matcher(name).matches()) {
      c.add(
          "ami_discovery.name",
          "name '"
              + Names.shorten(name)
              + "' is not an AMI name pattern (3-128 characters: letters, digits, spaces and"
              + " ( ) [ ] . / ' @ _ -, with * and ? as wildcards)",
          "write e.g. name: 'my-agent-image-*'");
    }
    String arch = c.choice(d, "ami_discovery", "architecture", ARCHITECTURES, "x86_64");
    if (c.count() > before) {
      return null;
    }
    return new PoolConfig.AmiDiscovery(owner, name, arch);
  }

  private static List<String> ids(
      ObjectNode root, String field, Pattern pattern, String example, Checker c) {
    ArrayNode list = c.list(root, "", field, false, field + ": [" + example + "]");
    List<String> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      String where = field + "[" + i + "]";
      String id = c.text(list.get(i), where, where, example, false);
      if (id == null) {
        continue;
      }
      if (!pattern.matcher(id).matches()) {
        c.add(
            where,
            "'" + Names.shorten(id) + "' is not a " + field.replaceAll("s$", "") + " id",
            "write an id such as " + example);
      } else if (out.contains(id)) {
        c.add(where, id + " is listed twice", "list each once");
      } else {
        out.add(id);
      }
    }
    return out;
  }

  private static List<String> setupCmds(ObjectNode root, Checker c) {
    ArrayNode list =
        c.list(root, "", "setup_cmds", false, "setup_cmds: ['nvidia-smi', 'docker info']");
    List<String> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.size() > MAX_SETUP_CMDS) {
      c.add(
          "setup_cmds",
          "setup_cmds lists " + list.size() + " commands; at most " + MAX_SETUP_CMDS,
          "put them in a script baked into the AMI, and run that");
    }
    int bytes = 0;
    for (int i = 0; i < list.size(); i++) {
      String where = "setup_cmds[" + i + "]";
      String cmd = c.text(list.get(i), where, where, "a shell command", false);
      if (cmd == null) {
        continue;
      }
      if (cmd.indexOf('\0') >= 0) {
        c.add(where, "the command holds a NUL character", "remove it");
        continue;
      }
      bytes += cmd.getBytes(StandardCharsets.UTF_8).length + 1;
      out.add(cmd);
    }
    if (bytes > MAX_SETUP_BYTES) {
      c.add(
          "setup_cmds",
          "setup_cmds take "
              + bytes
              + " bytes; EC2 user data holds 16 KB and the agent needs the rest, so at most "
              + MAX_SETUP_BYTES,
          "move the long parts into a script baked into the AMI, and run that");
    }
    return out;
  }
}
