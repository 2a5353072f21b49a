package dev.orchestra.local.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The local runtime's state file ({@code $ORCHESTRA_HOME/local/state.json}, default {@code
 * ~/.orchestra/local/state.json}): where the two background processes listen (AWS router,
 * Kubernetes, the REST API) and their pids.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LocalState(
    @JsonProperty("aws_endpoint") String awsEndpoint,
    @JsonProperty("region") String region,
    @JsonProperty("router_port") int routerPort,
    @JsonProperty("moto_port") int motoPort,
    @JsonProperty("moto_pid") long motoPid,
    @JsonProperty("runtime_pid") long runtimePid,
    @JsonProperty("kubernetes_port") int kubernetesPort,
    @JsonProperty("kubernetes_endpoint") String kubernetesEndpoint,
    @JsonProperty("time_scale") String timeScale,
    @JsonProperty("started_at") String startedAt,
    @JsonProperty("api_endpoint") String apiEndpoint) {}
