package dev.orchestra.functions.api;

import dev.orchestra.shared.config.Finding;
import io.micronaut.http.HttpStatus;
import java.util.List;

/** A caller's mistake (or a missing resource), answered with its status and {@link ApiError}. */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String code;
  private final List<Finding> findings;

  public ApiException(HttpStatus status, String code, String message, List<Finding> findings) {
    super(message);
    this.status = status;
    this.code = code;
    this.findings = findings == null ? List.of() : List.copyOf(findings);
  }

  public static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, "bad_request", message, List.of());
  }

  public static ApiException notFound(String message) {
    return new ApiException(HttpStatus.NOT_FOUND, "not_found", message, List.of());
  }

  public static ApiException invalidConfig(String message, List<Finding> findings) {
    return new ApiException(HttpStatus.BAD_REQUEST, "invalid_config", message, findings);
  }

  public static ApiException credentialsRejected(List<Finding> findings) {
    return new ApiException(
        HttpStatus.BAD_REQUEST,
        "credentials_rejected",
        "the body carries AWS credentials; the API never accepts them: remove"
            + " aws_access_key_id/aws_secret_access_key (the CLI strips them before sending)",
        findings);
  }

  public HttpStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  public List<Finding> findings() {
    return findings;
  }

  public ApiError body() {
    return new ApiError(code, getMessage(), findings);
  }
}
