package dev.orchestra.functions.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.orchestra.shared.config.Finding;
import io.micronaut.core.annotation.Introspected;
import java.util.List;

/**
 * The body of every 4xx/5xx answer: a snake_case {@code code}, a message that says how to fix it,
 * and the findings ({@code file, path, problem, fix}) when there are any.
 */
@Introspected
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ApiError(String code, String message, List<Finding> findings) {
  public ApiError {
    findings = findings == null ? List.of() : List.copyOf(findings);
  }
}
