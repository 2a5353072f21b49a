package dev.orchestra.functions.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.api.Views.PageView;
import dev.orchestra.functions.cluster.ClusterOperations;
import dev.orchestra.functions.cluster.ClusterRecord;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Clusters: create, update, destroy (each starts its workflow), read, list, test, share. */
@Controller("/clusters")
@Tag(name = "clusters")
public class ClustersController {
  static final String CLUSTERS = "clusters";

  private final ClusterOperations clusters;

  public ClustersController(ClusterOperations clusters) {
    this.clusters = clusters;
  }

  /** A cluster as the API shows it. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record ClusterView(
      @JsonProperty("name") String name,
      @JsonProperty("status") String status,
      @JsonProperty("kubernetes_version") String kubernetesVersion,
      @JsonProperty("endpoint") String endpoint,
      @JsonProperty("ca_data") String caData,
      @JsonProperty("access_role_arn") String accessRoleArn,
      @JsonProperty("node_groups") List<ClusterOperations.NodeGroupView> nodeGroups,
      @JsonProperty("execution_arn") String executionArn,
      @JsonProperty("step") String step,
      @JsonProperty("error") String error) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record TestView(
      @JsonProperty("name") String name,
      @JsonProperty("server") String server,
      @JsonProperty("nodes") int nodes) {}

  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record TrustView(
      @JsonProperty("name") String name, @JsonProperty("trusted") List<String> trusted) {}

  /** {@code {"principal": "arn:aws:iam::123456789012:role/x"}}. */
  public record PrincipalBody(@JsonProperty("principal") String principal) {}

  static final String[] BODY_TYPES = {
    MediaType.APPLICATION_JSON, "application/yaml", "text/yaml", "application/x-yaml"
  };

  @Operation(
      summary = "Create a cluster from cluster.yml",
      description =
          "cluster.yml as YAML, or JSON {\"cluster\": text|object}. Starts the create workflow;"
              + " the same name and configuration again is harmless.")
  @Post(
      consumes = {
        MediaType.APPLICATION_JSON,
        "application/yaml",
        "text/yaml",
        "application/x-yaml"
      },
      produces = MediaType.APPLICATION_JSON)
  public HttpResponse<ClusterView> create(
      @Header("Content-Type") String contentType,
      @Nullable @Body String body,
      @Nullable APIGatewayProxyRequestEvent event) {
    var config = ClusterOperations.parse("cluster.yml", Bodies.clusterText(contentType, body));
    ClusterOperations.Started s = clusters.create(config, caller(event));
    return accepted(s);
  }

  @Operation(summary = "List clusters, a page at a time")
  @Get(produces = MediaType.APPLICATION_JSON)
  public PageView<ClusterView> list(
      @Nullable @QueryValue("limit") String limit, @Nullable @QueryValue("next") String next) {
    int n = Pages.limit(limit);
    String after = Pages.after(CLUSTERS, next);
    List<ClusterRecord> all =
        clusters.list().stream()
            .sorted(Comparator.comparing(ClusterRecord::name))
            .filter(r -> after == null || r.name().compareTo(after) > 0)
            .toList();
    List<ClusterRecord> page = all.subList(0, Math.min(n, all.size()));
    String token = all.size() > n ? Pages.token(CLUSTERS, page.get(page.size() - 1).name()) : null;
    return new PageView<>(page.stream().map(ClustersController::summary).toList(), token);
  }

  @Operation(summary = "One cluster, with the current step of its running workflow")
  @Get(uri = "/{name}", produces = MediaType.APPLICATION_JSON)
  public ClusterView get(@PathVariable("name") String name) {
    return view(clusters.status(Ids.cluster(name)));
  }

  @Operation(summary = "Apply a changed cluster.yml (starts the update workflow)")
  @Put(
      uri = "/{name}",
      consumes = {
        MediaType.APPLICATION_JSON,
        "application/yaml",
        "text/yaml",
        "application/x-yaml"
      },
      produces = MediaType.APPLICATION_JSON)
  public HttpResponse<ClusterView> update(
      @PathVariable("name") String name,
      @Header("Content-Type") String contentType,
      @Nullable @Body String body) {
    var config = ClusterOperations.parse("cluster.yml", Bodies.clusterText(contentType, body));
    return accepted(clusters.update(Ids.cluster(name), config));
  }

  @Operation(summary = "Destroy a cluster and everything it made (starts the destroy workflow)")
  @Delete(uri = "/{name}", produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
  public HttpResponse<ClusterView> destroy(@PathVariable("name") String name) {
    return accepted(clusters.destroy(Ids.cluster(name)));
  }

  @Operation(summary = "Reach the cluster's Kubernetes API with an EKS token and count its nodes")
  @Post(uri = "/{name}/test", produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
  public TestView test(@PathVariable("name") String name) {
    ClusterOperations.TestResult t = clusters.test(Ids.cluster(name));
    return new TestView(t.name(), t.server(), t.nodes());
  }

  @Operation(summary = "Let a principal assume the cluster's access role")
  @Post(
      uri = "/{name}/share",
      consumes = MediaType.APPLICATION_JSON,
      produces = MediaType.APPLICATION_JSON)
  public TrustView share(@PathVariable("name") String name, @Nullable @Body String body) {
    return new TrustView(name, clusters.share(Ids.cluster(name), principal(body)));
  }

  @Operation(summary = "Stop a principal assuming the cluster's access role")
  @Post(
      uri = "/{name}/unshare",
      consumes = MediaType.APPLICATION_JSON,
      produces = MediaType.APPLICATION_JSON)
  public TrustView unshare(@PathVariable("name") String name, @Nullable @Body String body) {
    return new TrustView(name, clusters.unshare(Ids.cluster(name), principal(body)));
  }

  private HttpResponse<ClusterView> accepted(ClusterOperations.Started s) {
    ClusterView v;
    try {
      v = view(clusters.status(s.name()));
    } catch (dev.orchestra.functions.cluster.UnknownClusterException notYet) {
      // Create just started: its first step writes the record.
      v =
          new ClusterView(
              s.name(),
              ClusterRecord.CREATING,
              null,
              null,
              null,
              null,
              List.of(),
              s.executionArn(),
              "starting",
              null);
    }
    if (s.executionArn() != null && !s.executionArn().equals(v.executionArn())) {
      // The workflow has not written the record yet: show the execution just started.
      v =
          new ClusterView(
              v.name(),
              v.status(),
              v.kubernetesVersion(),
              v.endpoint(),
              v.caData(),
              v.accessRoleArn(),
              v.nodeGroups(),
              s.executionArn(),
              "starting",
              v.error());
    }
    return HttpResponse.<ClusterView>status(HttpStatus.ACCEPTED).body(v);
  }

  private static String principal(String body) {
    Map<String, Object> m;
    try {
      m = dev.orchestra.functions.Json.readMap(body);
    } catch (IllegalArgumentException notJson) {
      throw ApiException.badRequest(
          "the body is not a JSON object; send {\"principal\": \"arn:aws:iam::123456789012:role/x\"}");
    }
    Object p = m == null ? null : m.get("principal");
    if (!(p instanceof String s) || s.isBlank()) {
      throw ApiException.badRequest(
          "the body has no \"principal\"; send {\"principal\": \"arn:aws:iam::123456789012:role/x\"}");
    }
    return s;
  }

  /** Who called (API Gateway's IAM auth names them), else the function's own identity. */
  private String caller(APIGatewayProxyRequestEvent event) {
    if (event != null
        && event.getRequestContext() != null
        && event.getRequestContext().getIdentity() != null
        && event.getRequestContext().getIdentity().getUserArn() != null) {
      return event.getRequestContext().getIdentity().getUserArn();
    }
    return clusters.callerArn();
  }

  static ClusterView summary(ClusterRecord r) {
    return new ClusterView(
        r.name(),
        r.status(),
        r.version(),
        null,
        null,
        null,
        List.of(),
        null,
        null,
        r.reason() == null || r.reason().isEmpty() ? null : r.reason());
  }

  static ClusterView view(ClusterOperations.Status s) {
    ClusterRecord r = s.record();
    return new ClusterView(
        r.name(),
        r.status(),
        r.version(),
        s.endpoint(),
        s.caData(),
        s.accessRoleArn(),
        s.nodeGroups(),
        s.executionArn(),
        s.step(),
        s.error());
  }
}
