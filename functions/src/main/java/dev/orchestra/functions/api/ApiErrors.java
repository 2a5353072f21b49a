package dev.orchestra.functions.api;

import dev.orchestra.shared.experiment.ExperimentNotFoundException;
import io.micronaut.context.annotation.Primary;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error answer is {@link ApiError} JSON: our own {@link ApiException}s, a missing experiment,
 * and whatever Micronaut answers itself (no route: 404, wrong method: 405, wrong content type: 415,
 * an unreadable parameter: 400). Only our own bugs are 500.
 */
public final class ApiErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {}

  static MutableHttpResponse<ApiError> respond(HttpStatus status, ApiError body) {
    return HttpResponse.<ApiError>status(status)
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .body(body);
  }

  /** Our own exceptions: status, code, message and findings as thrown. */
  @Singleton
  public static class ApiExceptionHandler
      implements ExceptionHandler<ApiException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ApiException e) {
      return respond(e.status(), e.body());
    }
  }

  /** An id that names nothing: 404. */
  @Singleton
  public static class NotFoundHandler
      implements ExceptionHandler<ExperimentNotFoundException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ExperimentNotFoundException e) {
      return respond(
          HttpStatus.NOT_FOUND,
          new ApiError(
              "not_found",
              e.getMessage() + "; GET /experiments lists the experiments there are",
              List.of()));
    }
  }

  /** A cluster request to fix (an invalid cluster.yml comes with its findings). */
  @Singleton
  public static class ClusterRequestHandler
      implements ExceptionHandler<
          dev.orchestra.functions.cluster.ClusterRequestException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(
        HttpRequest request, dev.orchestra.functions.cluster.ClusterRequestException e) {
      return respond(
          HttpStatus.BAD_REQUEST,
          new ApiError(
              e.findings().isEmpty() ? "bad_request" : "invalid_config",
              e.getMessage(),
              e.findings()));
    }
  }

  /** No cluster of that name: 404. */
  @Singleton
  public static class UnknownClusterHandler
      implements ExceptionHandler<
          dev.orchestra.functions.cluster.UnknownClusterException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(
        HttpRequest request, dev.orchestra.functions.cluster.UnknownClusterException e) {
      return respond(HttpStatus.NOT_FOUND, new ApiError("not_found", e.getMessage(), List.of()));
    }
  }

  /** A pool request to fix: an invalid pool.yml (with its findings), a pool being destroyed. */
  @Singleton
  public static class PoolRequestHandler
      implements ExceptionHandler<
          dev.orchestra.functions.pool.PoolRequestException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(
        HttpRequest request, dev.orchestra.functions.pool.PoolRequestException e) {
      return respond(
          HttpStatus.BAD_REQUEST, new ApiError("invalid_pool", e.getMessage(), e.findings()));
    }
  }

  /** No pool of that name: 404. */
  @Singleton
  public static class UnknownPoolHandler
      implements ExceptionHandler<
          dev.orchestra.functions.pool.UnknownPoolException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(
        HttpRequest request, dev.orchestra.functions.pool.UnknownPoolException e) {
      return respond(
          HttpStatus.NOT_FOUND, new ApiError("pool_not_found", e.getMessage(), List.of()));
    }
  }

  /**
   * The cluster's Kubernetes API did not answer (cluster test): not the caller's mistake nor our
   * bug, but the cluster's state: 409 with the reason.
   */
  @Singleton
  public static class KubernetesHandler
      implements ExceptionHandler<
          io.fabric8.kubernetes.client.KubernetesClientException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(
        HttpRequest request, io.fabric8.kubernetes.client.KubernetesClientException e) {
      return respond(
          HttpStatus.CONFLICT,
          new ApiError(
              "conflict",
              "the cluster's Kubernetes API did not answer: "
                  + e.getMessage()
                  + "; check the cluster's status",
              List.of()));
    }
  }

  /** Anything else thrown by our code is our bug: 500 internal, logged, no details leaked. */
  @Singleton
  public static class InternalHandler
      implements ExceptionHandler<RuntimeException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, RuntimeException e) {
      LOG.error("{} {} failed", request.getMethod(), request.getPath(), e);
      return respond(
          HttpStatus.INTERNAL_SERVER_ERROR,
          new ApiError(
              "internal",
              "the request failed on our side ("
                  + e.getClass().getSimpleName()
                  + "); retry, and report it if it persists",
              List.of()));
    }
  }

  /** Micronaut's own error answers (routing, binding) in the same shape. */
  @Singleton
  @Primary
  public static class Processor implements ErrorResponseProcessor<ApiError> {
    @Override
    public MutableHttpResponse<ApiError> processResponse(
        ErrorContext context, MutableHttpResponse<?> response) {
      HttpStatus status = response.getStatus();
      String detail =
          context.getErrors().stream()
              .map(io.micronaut.http.server.exceptions.response.Error::getMessage)
              .collect(Collectors.joining("; "));
      HttpRequest<?> req = context.getRequest();
      String what = req.getMethod() + " " + req.getPath();
      ApiError body =
          switch (status) {
            case NOT_FOUND ->
                new ApiError(
                    "not_found",
                    what + ": no such resource; GET /openapi.yml lists the routes",
                    List.of());
            case METHOD_NOT_ALLOWED ->
                new ApiError(
                    "method_not_allowed",
                    what + ": this method is not allowed here; " + detail,
                    List.of());
            case UNSUPPORTED_MEDIA_TYPE ->
                new ApiError(
                    "unsupported_media_type",
                    what
                        + ": Content-Type "
                        + req.getContentType().map(MediaType::toString).orElse("(none)")
                        + " is not accepted; send application/json (or application/yaml where"
                        + " the route takes YAML)",
                    List.of());
            case REQUEST_ENTITY_TOO_LARGE ->
                new ApiError("payload_too_large", what + ": " + detail, List.of());
            case CONFLICT -> new ApiError("conflict", what + ": " + detail, List.of());
            default -> {
              if (status.getCode() >= 500) {
                context.getRootCause().ifPresent(t -> LOG.error("{} failed", what, t));
                yield new ApiError(
                    "internal",
                    "the request failed on our side; retry, and report it if it persists",
                    List.of());
              }
              yield new ApiError("bad_request", what + ": " + detail, List.of());
            }
          };
      return response.contentType(MediaType.APPLICATION_JSON_TYPE).body(body);
    }
  }
}
