package dev.orchestra.functions.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.orchestra.functions.api.Views.PageView;
import dev.orchestra.functions.pool.PoolOperations;
import dev.orchestra.functions.pool.PoolRecord;
import dev.orchestra.functions.pool.UnknownPoolException;
import dev.orchestra.shared.config.PoolConfig;
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
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * EC2 pools: create, update, destroy, read (with the live instances) and list. Create and update
 * answer at once (the pool is usable when READY); destroy marks the pool DESTROYING and the pool's
 * scaling tick terminates its instances and removes its resources.
 */
@Controller("/pools")
@Tag(name = "pools")
public class PoolsController {
  static final String POOLS = "pools";

  private final PoolOperations pools;

  public PoolsController(PoolOperations pools) {
    this.pools = pools;
  }

  /** One instance of a pool. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record InstanceView(
      @JsonProperty("id") String id,
      @JsonProperty("instance_type") String instanceType,
      @JsonProperty("capacity") String capacity,
      @JsonProperty("state") String state,
      @JsonProperty("busy") boolean busy,
      @JsonProperty("workload") String workload,
      @JsonProperty("launched_at") String launchedAt,
      @JsonProperty("idle_since") String idleSince) {}

  /**
   * A pool as the API (and the CLI's --json, locally too) shows it. {@code instances}, {@code
   * pending_runs} and {@code last_decision} are filled by GET /pools/{name} only.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record PoolView(
      @JsonProperty("name") String name,
      @JsonProperty("status") String status,
      @JsonProperty("message") String message,
      @JsonProperty("instance_types") List<String> instanceTypes,
      @JsonProperty("spot") boolean spot,
      @JsonProperty("on_demand_fallback") boolean onDemandFallback,
      @JsonProperty("max_instances") int maxInstances,
      @JsonProperty("idle_timeout_minutes") int idleTimeoutMinutes,
      @JsonProperty("work_queue_url") String workQueueUrl,
      @JsonProperty("instance_profile_arn") String instanceProfileArn,
      @JsonProperty("created_at") String createdAt,
      @JsonProperty("updated_at") String updatedAt,
      @JsonProperty("instances") List<InstanceView> instances,
      @JsonProperty("pending_runs") Integer pendingRuns,
      @JsonProperty("last_decision") List<String> lastDecision) {}

  @Operation(
      summary = "Create a pool from pool.yml",
      description =
          "pool.yml as YAML, or JSON {\"pool\": text|object}. Creates the pool's work queue,"
              + " instance role and profile under /orchestra/ and its scaling schedule: 201 the"
              + " first time; the same name and configuration again answers 200 with the pool;"
              + " a different configuration under an existing name is a 400 (use PUT).")
  @Post(
      consumes = {
        MediaType.APPLICATION_JSON,
        "application/yaml",
        "text/yaml",
        "application/x-yaml"
      },
      produces = MediaType.APPLICATION_JSON)
  public HttpResponse<PoolView> create(
      @Header("Content-Type") String contentType, @Nullable @Body String body) {
    PoolConfig config = PoolOperations.parse("pool.yml", Bodies.poolText(contentType, body));
    boolean existed = exists(config.poolName());
    PoolRecord r = pools.create(config);
    return HttpResponse.<PoolView>status(existed ? HttpStatus.OK : HttpStatus.CREATED)
        .body(summary(r));
  }

  @Operation(summary = "List pools (not destroyed), a page at a time")
  @Get(produces = MediaType.APPLICATION_JSON)
  public PageView<PoolView> list(
      @Nullable @QueryValue("limit") String limit, @Nullable @QueryValue("next") String next) {
    int n = Pages.limit(limit);
    String after = Pages.after(POOLS, next);
    List<PoolRecord> all =
        pools.list().stream()
            .sorted(Comparator.comparing(PoolRecord::name))
            .filter(r -> after == null || r.name().compareTo(after) > 0)
            .toList();
    List<PoolRecord> page = all.subList(0, Math.min(n, all.size()));
    String token = all.size() > n ? Pages.token(POOLS, page.get(page.size() - 1).name()) : null;
    return new PageView<>(page.stream().map(PoolsController::summary).toList(), token);
  }

  @Operation(
      summary = "One pool's status",
      description =
          "The record, the live instances (by the orchestra:pool tag), the runs waiting on the"
              + " work queue and the reasons of the last scaling decision.")
  @Get(uri = "/{name}", produces = MediaType.APPLICATION_JSON)
  public PoolView get(@PathVariable("name") String name) {
    return view(pools.status(Ids.pool(name)));
  }

  @Operation(
      summary = "Replace a pool's configuration",
      description =
          "pool.yml as YAML or JSON {\"pool\": ...}; its pool_name must be the path's name."
              + " Running instances keep running; new ones follow the new configuration.")
  @Put(
      uri = "/{name}",
      consumes = {
        MediaType.APPLICATION_JSON,
        "application/yaml",
        "text/yaml",
        "application/x-yaml"
      },
      produces = MediaType.APPLICATION_JSON)
  public PoolView update(
      @PathVariable("name") String name,
      @Header("Content-Type") String contentType,
      @Nullable @Body String body) {
    String path = Ids.pool(name);
    PoolConfig config = PoolOperations.parse("pool.yml", Bodies.poolText(contentType, body));
    if (!path.equals(config.poolName())) {
      throw ApiException.badRequest(
          "pool.yml names pool "
              + config.poolName()
              + " but the path names "
              + path
              + "; PUT it to /pools/"
              + config.poolName()
              + " (a pool cannot be renamed: create the new one, destroy the old one)");
    }
    return summary(pools.update(path, config));
  }

  @Operation(
      summary = "Destroy a pool",
      description =
          "Marks the pool DESTROYING and answers 202: the scaling tick terminates its instances,"
              + " cancels its spot requests, then deletes its queue, profile, role and schedule;"
              + " GET /pools/{name} shows DESTROYED (or 404) when done. Repeating it is harmless.")
  @Delete(uri = "/{name}", produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
  public HttpResponse<PoolView> destroy(@PathVariable("name") String name) {
    return HttpResponse.<PoolView>status(HttpStatus.ACCEPTED)
        .body(summary(pools.destroy(Ids.pool(name))));
  }

  private boolean exists(String name) {
    try {
      return !PoolRecord.DESTROYED.equals(pools.record(name).status());
    } catch (UnknownPoolException e) {
      return false;
    }
  }

  /** A pool without its live parts (list, create, update, destroy). */
  public static PoolView summary(PoolRecord r) {
    return view(r, null, null, null);
  }

  /** A pool's full status. */
  public static PoolView view(PoolOperations.Status s) {
    List<InstanceView> instances =
        s.instances() == null
            ? List.of()
            : s.instances().stream()
                .map(
                    i ->
                        new InstanceView(
                            i.id(),
                            i.instanceType(),
                            i.capacity(),
                            i.state(),
                            i.busy(),
                            i.workload(),
                            text(i.launchedAt()),
                            text(i.idleSince())))
                .toList();
    return view(
        s.pool(),
        instances,
        s.pendingRuns(),
        s.lastDecision() == null ? List.of() : s.lastDecision());
  }

  private static PoolView view(
      PoolRecord r, List<InstanceView> instances, Integer pending, List<String> decision) {
    PoolConfig c = r.config();
    return new PoolView(
        r.name(),
        r.status(),
        r.message(),
        c == null ? List.of() : c.instanceTypes(),
        c != null && c.spot(),
        c != null && c.onDemandFallback(),
        c == null ? 0 : c.maxInstances(),
        c == null ? 0 : c.idleTimeoutMinutes(),
        r.workQueueUrl(),
        r.instanceProfileArn(),
        text(r.createdAt()),
        text(r.updatedAt()),
        instances == null ? List.of() : instances,
        pending,
        decision == null ? List.of() : decision);
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
