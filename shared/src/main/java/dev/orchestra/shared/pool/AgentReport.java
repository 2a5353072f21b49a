package dev.orchestra.shared.pool;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a pool agent says about its instance, on the results queue beside the run messages ({@code
 * "kind": "agent"}): idle (polling for work, since {@code since}) or busy with one run attempt.
 * Sent when the state changes and then every heartbeat period, so the scaling tick sees which
 * instances are busy, which are idle and for how long, and which run an instance carried when it
 * vanished (a spot interruption). Carries no nonce and no secret: it can change only the pool's
 * view of its own instances, never a run's outcome.
 *
 * @param pool the pool's name
 * @param instanceId the EC2 instance id (from IMDSv2)
 * @param state {@code idle} or {@code busy}
 * @param experimentId the run's experiment while busy, else null
 * @param runId the run while busy, else null
 * @param attempt the attempt while busy, else 0
 * @param since epoch seconds when the agent entered this state
 * @param at epoch seconds when the report was sent (later reports win)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentReport(
    @JsonProperty("v") int version,
    @JsonProperty("kind") String kind,
    @JsonProperty("pool") String pool,
    @JsonProperty("instance_id") String instanceId,
    @JsonProperty("state") String state,
    @JsonProperty("experiment_id") String experimentId,
    @JsonProperty("run_id") String runId,
    @JsonProperty("attempt") int attempt,
    @JsonProperty("since") long since,
    @JsonProperty("at") long at) {

  public static final int VERSION = 1;
  public static final String KIND = "agent";
  public static final String IDLE = "idle";
  public static final String BUSY = "busy";

  public static AgentReport idle(String pool, String instanceId, long since, long at) {
    return new AgentReport(VERSION, KIND, pool, instanceId, IDLE, null, null, 0, since, at);
  }

  public static AgentReport busy(
      String pool,
      String instanceId,
      String experimentId,
      String runId,
      int attempt,
      long since,
      long at) {
    return new AgentReport(
        VERSION, KIND, pool, instanceId, BUSY, experimentId, runId, attempt, since, at);
  }

  public boolean busy() {
    return BUSY.equals(state);
  }
}
