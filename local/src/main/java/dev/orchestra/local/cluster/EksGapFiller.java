package dev.orchestra.local.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.local.router.GapFiller;
import dev.orchestra.local.router.RouterRequest;
import dev.orchestra.local.router.RouterResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The EKS APIs moto 5.2.1 lacks and cluster create calls, in memory, on the EKS REST paths: access
 * entries and their access policies, add-ons, Pod Identity associations, DescribeUpdate, and the
 * {@code accessConfig} of CreateCluster/DescribeCluster (passed through to moto and added). The
 * shapes follow the EKS API reference; errors carry {@code x-amzn-ErrorType} as EKS does.
 *
 * <p>Simplifications: add-ons are ACTIVE at once; DescribeUpdate reports {@code Successful} for any
 * id (moto applies UpdateNodegroupConfig synchronously and returns the update id itself); the
 * cluster's existence is not checked; state for a cluster is dropped when a DeleteCluster passes
 * through to moto.
 */
public final class EksGapFiller implements GapFiller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACCOUNT = "123456789012";
  private static final Pattern CLUSTER = Pattern.compile("^/clusters/([^/]+)(/.*)?$");

  private final Map<String, ClusterState> clusters = new ConcurrentHashMap<>();

  /** Marks the filler's own pass-through request to moto, so it is not filled again. */
  static final String INNER = "x-orchestra-gap-filler";

  private final java.net.http.HttpClient http =
      java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();

  /** accessConfig per cluster, as CreateCluster asked for it (moto drops it). */
  private final Map<String, JsonNode> accessConfigs = new ConcurrentHashMap<>();

  private static final class ClusterState {
    final Map<String, ObjectNode> accessEntries = new LinkedHashMap<>();
    final Map<String, Map<String, ObjectNode>> policies = new LinkedHashMap<>();
    final Map<String, ObjectNode> addons = new LinkedHashMap<>();
    final Map<String, ObjectNode> associations = new LinkedHashMap<>();
  }

  @Override
  public boolean handles(RouterRequest r) {
    if (!r.service().map("eks"::equals).orElse(false)) {
      return false;
    }
    if (r.header(INNER).isPresent()) {
      return false;
    }
    if (r.path().equals("/clusters") && r.method().equals("POST")) {
      return true; // CreateCluster: passed through, accessConfig kept and answered
    }
    Matcher m = CLUSTER.matcher(r.path());
    if (!m.matches()) {
      return false;
    }
    String rest = m.group(2) == null ? "" : m.group(2);
    if (rest.isEmpty() && r.method().equals("DELETE")) {
      clusters.remove(decode(m.group(1))); // moto deletes the cluster; its sub-resources go too
      accessConfigs.remove(decode(m.group(1)));
      return false;
    }
    if (rest.isEmpty() && r.method().equals("GET")) {
      return true; // DescribeCluster: passed through, accessConfig added
    }
    return rest.startsWith("/access-entries")
        || rest.startsWith("/addons")
        || rest.startsWith("/pod-identity-associations")
        || (rest.startsWith("/updates/") && r.method().equals("GET"));
  }

  @Override
  public RouterResponse handle(RouterRequest r) throws IOException {
    if (r.path().equals("/clusters") || CLUSTER.matcher(r.path()).replaceAll("$2").isEmpty()) {
      return withAccessConfig(r);
    }
    return fill(r);
  }

  /**
   * CreateCluster and DescribeCluster go to moto (through the router, marked so this filler lets
   * them pass); the answer gets the accessConfig CreateCluster asked for. Without one, EKS's
   * default: CONFIG_MAP with the creator bootstrapped as admin.
   */
  private RouterResponse withAccessConfig(RouterRequest r) throws IOException {
    String host = r.header("host").orElseThrow(() -> new IOException("no Host header"));
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(
                    "http://" + host + r.path() + (r.rawQuery() == null ? "" : "?" + r.rawQuery())))
            .timeout(java.time.Duration.ofSeconds(30))
            .method(
                r.method(),
                r.body() == null
                    ? java.net.http.HttpRequest.BodyPublishers.noBody()
                    : java.net.http.HttpRequest.BodyPublishers.ofByteArray(r.body()));
    for (Map.Entry<String, java.util.List<String>> h : r.headers().entrySet()) {
      String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
      if (name.equals("host")
          || name.equals("content-length")
          || name.equals("connection")
          || name.equals("expect")
          || name.equals("transfer-encoding")) {
        continue;
      }
      h.getValue().forEach(v -> b.header(h.getKey(), v));
    }
    b.header(INNER, "1");
    java.net.http.HttpResponse<byte[]> resp;
    try {
      resp = http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    resp.headers()
        .firstValue("x-amzn-ErrorType")
        .ifPresent(v -> headers.put("x-amzn-ErrorType", v));
    if (resp.statusCode() / 100 != 2) {
      return new RouterResponse(resp.statusCode(), headers, resp.body());
    }
    ObjectNode body = (ObjectNode) JSON.readTree(resp.body());
    ObjectNode cluster = (ObjectNode) body.path("cluster");
    String name = cluster.path("name").asText();
    if (r.method().equals("POST")) {
      JsonNode asked = JSON.readTree(r.body()).path("accessConfig");
      ObjectNode ac = JSON.createObjectNode();
      ac.put(
          "bootstrapClusterCreatorAdminPermissions",
          asked.path("bootstrapClusterCreatorAdminPermissions").asBoolean(true));
      ac.put("authenticationMode", asked.path("authenticationMode").asText("CONFIG_MAP"));
      accessConfigs.putIfAbsent(name, ac);
    }
    JsonNode ac = accessConfigs.get(name);
    if (ac != null) {
      cluster.set("accessConfig", ac);
    }
    return new RouterResponse(
        resp.statusCode(), headers, body.toString().getBytes(StandardCharsets.UTF_8));
  }

  private synchronized RouterResponse fill(RouterRequest r) throws IOException {
    Matcher m = CLUSTER.matcher(r.path());
    m.matches();
    String cluster = decode(m.group(1));
    String[] parts = m.group(2).substring(1).split("/");
    ClusterState s = clusters.computeIfAbsent(cluster, c -> new ClusterState());
    JsonNode body =
        r.body() == null || r.body().length == 0
            ? JSON.createObjectNode()
            : JSON.readTree(r.body());
    return switch (parts[0]) {
      case "access-entries" -> accessEntries(cluster, s, r.method(), parts, body);
      case "addons" -> addons(cluster, s, r.method(), parts, body);
      case "pod-identity-associations" ->
          associations(cluster, s, r.method(), parts, body, query(r));
      case "updates" -> describeUpdate(parts[1], query(r));
      default -> error(404, "ResourceNotFoundException", "unknown path");
    };
  }

  private RouterResponse accessEntries(
      String cluster, ClusterState s, String method, String[] parts, JsonNode body) {
    if (parts.length == 1) {
      if (method.equals("POST")) {
        String principal = body.path("principalArn").asText();
        if (s.accessEntries.containsKey(principal)) {
          return error(
              409,
              "ResourceInUseException",
              "The specified access entry resource is already in use on this cluster.");
        }
        ObjectNode e = JSON.createObjectNode();
        e.put("clusterName", cluster);
        e.put("principalArn", principal);
        e.set(
            "kubernetesGroups",
            body.has("kubernetesGroups") ? body.get("kubernetesGroups") : JSON.createArrayNode());
        e.put(
            "accessEntryArn",
            "arn:aws:eks:us-east-1:"
                + ACCOUNT
                + ":access-entry/"
                + cluster
                + "/role/"
                + ACCOUNT
                + "/"
                + UUID.randomUUID());
        e.put("createdAt", now());
        e.put("modifiedAt", now());
        e.set("tags", body.has("tags") ? body.get("tags") : JSON.createObjectNode());
        e.put("username", body.path("username").asText(principal));
        e.put("type", body.path("type").asText("STANDARD"));
        s.accessEntries.put(principal, e);
        return ok(JSON.createObjectNode().set("accessEntry", e));
      }
      ObjectNode out = JSON.createObjectNode();
      ArrayNode list = out.putArray("accessEntries");
      s.accessEntries.keySet().forEach(list::add);
      return ok(out);
    }
    String principal = decode(parts[1]);
    ObjectNode entry = s.accessEntries.get(principal);
    if (entry == null) {
      return error(
          404, "ResourceNotFoundException", "The specified access entry resource can't be found.");
    }
    if (parts.length == 2) {
      if (method.equals("DELETE")) {
        s.accessEntries.remove(principal);
        s.policies.remove(principal);
        return ok(JSON.createObjectNode());
      }
      return ok(JSON.createObjectNode().set("accessEntry", entry));
    }
    Map<String, ObjectNode> policies =
        s.policies.computeIfAbsent(principal, p -> new LinkedHashMap<>());
    if (parts.length == 3 && method.equals("POST")) {
      ObjectNode p = JSON.createObjectNode();
      p.put("policyArn", body.path("policyArn").asText());
      p.set("accessScope", body.path("accessScope"));
      p.put("associatedAt", now());
      p.put("modifiedAt", now());
      policies.put(p.get("policyArn").asText(), p);
      ObjectNode out = JSON.createObjectNode();
      out.put("clusterName", cluster);
      out.put("principalArn", principal);
      out.set("associatedAccessPolicy", p);
      return ok(out);
    }
    if (parts.length == 3) {
      ObjectNode out = JSON.createObjectNode();
      out.put("clusterName", cluster);
      out.put("principalArn", principal);
      ArrayNode list = out.putArray("associatedAccessPolicies");
      policies.values().forEach(list::add);
      return ok(out);
    }
    policies.remove(decode(parts[3]));
    return ok(JSON.createObjectNode());
  }

  private RouterResponse addons(
      String cluster, ClusterState s, String method, String[] parts, JsonNode body) {
    if (parts.length == 1) {
      if (method.equals("POST")) {
        String name = body.path("addonName").asText();
        if (s.addons.containsKey(name)) {
          return error(409, "ResourceInUseException", "Addon already exists with name: " + name);
        }
        ObjectNode a = JSON.createObjectNode();
        a.put("addonName", name);
        a.put("clusterName", cluster);
        a.put("status", "ACTIVE");
        a.put("addonVersion", body.path("addonVersion").asText("v1.3.4-eksbuild.1"));
        a.putObject("health").putArray("issues");
        a.put(
            "addonArn",
            "arn:aws:eks:us-east-1:"
                + ACCOUNT
                + ":addon/"
                + cluster
                + "/"
                + name
                + "/"
                + UUID.randomUUID());
        a.put("createdAt", now());
        a.put("modifiedAt", now());
        a.set("tags", body.has("tags") ? body.get("tags") : JSON.createObjectNode());
        s.addons.put(name, a);
        return ok(JSON.createObjectNode().set("addon", a));
      }
      ObjectNode out = JSON.createObjectNode();
      ArrayNode list = out.putArray("addons");
      s.addons.keySet().forEach(list::add);
      return ok(out);
    }
    ObjectNode a = s.addons.get(decode(parts[1]));
    if (a == null) {
      return error(
          404,
          "ResourceNotFoundException",
          "No addon: " + decode(parts[1]) + " found in cluster: " + cluster);
    }
    if (method.equals("DELETE")) {
      s.addons.remove(decode(parts[1]));
      ObjectNode deleting = a.deepCopy();
      deleting.put("status", "DELETING");
      return ok(JSON.createObjectNode().set("addon", deleting));
    }
    return ok(JSON.createObjectNode().set("addon", a));
  }

  private RouterResponse associations(
      String cluster,
      ClusterState s,
      String method,
      String[] parts,
      JsonNode body,
      Map<String, String> query) {
    if (parts.length == 1) {
      if (method.equals("POST")) {
        String ns = body.path("namespace").asText();
        String sa = body.path("serviceAccount").asText();
        boolean taken =
            s.associations.values().stream()
                .anyMatch(
                    a ->
                        a.path("namespace").asText().equals(ns)
                            && a.path("serviceAccount").asText().equals(sa));
        if (taken) {
          return error(
              409, "ResourceInUseException", "Association already exists for " + ns + "/" + sa);
        }
        String id = "a-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
        ObjectNode a = JSON.createObjectNode();
        a.put("clusterName", cluster);
        a.put("namespace", ns);
        a.put("serviceAccount", sa);
        a.put("roleArn", body.path("roleArn").asText());
        a.put(
            "associationArn",
            "arn:aws:eks:us-east-1:" + ACCOUNT + ":podidentityassociation/" + cluster + "/" + id);
        a.put("associationId", id);
        a.set("tags", body.has("tags") ? body.get("tags") : JSON.createObjectNode());
        a.put("createdAt", now());
        a.put("modifiedAt", now());
        s.associations.put(id, a);
        return ok(JSON.createObjectNode().set("association", a));
      }
      ObjectNode out = JSON.createObjectNode();
      ArrayNode list = out.putArray("associations");
      for (ObjectNode a : s.associations.values()) {
        if (query.containsKey("namespace")
            && !query.get("namespace").equals(a.path("namespace").asText())) {
          continue;
        }
        if (query.containsKey("serviceAccount")
            && !query.get("serviceAccount").equals(a.path("serviceAccount").asText())) {
          continue;
        }
        ObjectNode summary = JSON.createObjectNode();
        for (String f :
            new String[] {
              "clusterName", "namespace", "serviceAccount", "associationArn", "associationId"
            }) {
          summary.set(f, a.get(f));
        }
        list.add(summary);
      }
      return ok(out);
    }
    ObjectNode a = s.associations.get(decode(parts[1]));
    if (a == null) {
      return error(404, "ResourceNotFoundException", "Association not found: " + decode(parts[1]));
    }
    if (method.equals("DELETE")) {
      s.associations.remove(decode(parts[1]));
    }
    return ok(JSON.createObjectNode().set("association", a));
  }

  private RouterResponse describeUpdate(String id, Map<String, String> query) {
    ObjectNode u = JSON.createObjectNode();
    u.put("id", decode(id));
    u.put("status", "Successful");
    u.put("type", query.containsKey("nodegroupName") ? "ConfigUpdate" : "VersionUpdate");
    u.putArray("params");
    u.put("createdAt", now());
    u.putArray("errors");
    return ok(JSON.createObjectNode().set("update", u));
  }

  private static Map<String, String> query(RouterRequest r) {
    Map<String, String> out = new LinkedHashMap<>();
    if (r.rawQuery() == null) {
      return out;
    }
    for (String kv : r.rawQuery().split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        out.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
      }
    }
    return out;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  private static RouterResponse ok(JsonNode body) {
    return RouterResponse.json(200, body.toString());
  }

  private static RouterResponse error(int status, String type, String message) {
    ObjectNode b = JSON.createObjectNode();
    b.put("message", message);
    return new RouterResponse(
        status,
        Map.of("Content-Type", "application/json", "x-amzn-ErrorType", type),
        b.toString().getBytes(StandardCharsets.UTF_8));
  }
}
