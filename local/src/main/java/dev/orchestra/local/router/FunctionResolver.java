package dev.orchestra.local.router;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.util.Optional;

/**
 * Finds the in-process handler serving a Lambda function name. The runtime's default is {@link
 * CatalogFunctionResolver} (the control plane's {@code FunctionCatalog}); tests inject their own.
 */
@FunctionalInterface
public interface FunctionResolver {

  /** The handler for a plain function name (no ARN, no qualifier), or empty when unknown. */
  Optional<RequestStreamHandler> resolve(String functionName);
}
