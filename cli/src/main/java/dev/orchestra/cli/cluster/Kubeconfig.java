package dev.orchestra.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Upserts one cluster's entry in a kubeconfig: the cluster (server, CA), a user that runs {@code
 * aws eks get-token --role-arn <access role>} (the exec form kubectl and EKS document), and a
 * context joining them, made current. Other entries are kept as they are.
 */
public final class Kubeconfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Kubeconfig() {}

  public static Path defaultPath() {
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return Path.of(env.split(java.io.File.pathSeparator)[0]);
    }
    return Path.of(System.getProperty("user.home"), ".kube", "config");
  }

  /**
   * @param ca base64 PEM, or null for a loopback endpoint without TLS (the local runtime)
   * @param endpointUrl the AWS endpoint for get-token, or null for AWS itself
   */
  @SuppressWarnings("unchecked")
  public static String upsert(
      Path file,
      String cluster,
      String server,
      String ca,
      String region,
      String accessRoleArn,
      String endpointUrl)
      throws IOException {
    Map<String, Object> doc =
        Files.isRegularFile(file) && Files.size(file) > 0
            ? YAML.readValue(file.toFile(), LinkedHashMap.class)
            : new LinkedHashMap<>();
    doc.putIfAbsent("apiVersion", "v1");
    doc.putIfAbsent("kind", "Config");
    String entry = "orchestra-" + cluster;

    Map<String, Object> c = new LinkedHashMap<>();
    c.put("server", server);
    if (ca != null) {
      c.put("certificate-authority-data", ca);
    }
    upsertNamed(doc, "clusters", entry, "cluster", c);

    List<String> args =
        new ArrayList<>(
            List.of(
                "--region",
                region,
                "eks",
                "get-token",
                "--cluster-name",
                cluster,
                "--role-arn",
                accessRoleArn,
                "--output",
                "json"));
    if (endpointUrl != null) {
      args.addAll(List.of("--endpoint-url", endpointUrl));
    }
    Map<String, Object> exec = new LinkedHashMap<>();
    exec.put("apiVersion", "client.authentication.k8s.io/v1beta1");
    exec.put("command", "aws");
    exec.put("args", args);
    exec.put("interactiveMode", "Never");
    upsertNamed(doc, "users", entry, "user", Map.of("exec", exec));

    upsertNamed(doc, "contexts", entry, "context", Map.of("cluster", entry, "user", entry));
    doc.put("current-context", entry);
    Files.createDirectories(file.toAbsolutePath().getParent());
    YAML.writeValue(file.toFile(), doc);
    return entry;
  }

  @SuppressWarnings("unchecked")
  private static void upsertNamed(
      Map<String, Object> doc, String list, String name, String key, Object value) {
    List<Map<String, Object>> items =
        doc.get(list) instanceof List<?> l ? (List<Map<String, Object>>) l : new ArrayList<>();
    items.removeIf(i -> name.equals(i.get("name")));
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("name", name);
    item.put(key, value);
    items.add(item);
    doc.put(list, items);
  }
}
