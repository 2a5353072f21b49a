package dev.orchestra.local.router;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.functions.FunctionCatalog;
import dev.orchestra.functions.OrchestraConfig;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Serves the functions of {@link FunctionCatalog}, one handler instance per function, built on
 * first use from the runtime's configuration and reused afterwards (a warm Lambda container).
 */
public final class CatalogFunctionResolver implements FunctionResolver {
  private final OrchestraConfig config;
  private final ConcurrentMap<String, RequestStreamHandler> warm = new ConcurrentHashMap<>();

  public CatalogFunctionResolver(OrchestraConfig config) {
    this.config = config;
  }

  @Override
  public Optional<RequestStreamHandler> resolve(String functionName) {
    return FunctionCatalog.find(functionName)
        .map(entry -> warm.computeIfAbsent(entry.name(), n -> entry.handler(config)));
  }
}
