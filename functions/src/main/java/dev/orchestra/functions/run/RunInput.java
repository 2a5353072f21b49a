package dev.orchestra.functions.run;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The run execution's state: ids and numbers only (state carries no specs). RecordFailure returns
 * it with {@code attempt + 1} and {@code retry = true} to dispatch again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunInput(
    String experimentId,
    String runId,
    int attempt,
    int heartbeatSeconds,
    int timeoutSeconds,
    Boolean retry) {}
