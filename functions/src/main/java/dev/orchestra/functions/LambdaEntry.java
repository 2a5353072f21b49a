package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.shared.EnvVars;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The handler class Lambda instantiates for every deployed function ({@code
 * dev.orchestra.functions.LambdaEntry::handleRequest}). Its no-argument constructor reads the
 * configuration from the environment once and builds the {@link FunctionCatalog} entry named by
 * {@code ORCHESTRA_FUNCTION}; SDK clients stay lazy, so a function builds only those it uses.
 */
public final class LambdaEntry implements RequestStreamHandler {
  private final RequestStreamHandler handler;

  public LambdaEntry() {
    this(OrchestraConfig.fromEnvironment());
  }

  public LambdaEntry(OrchestraConfig config) {
    String name = config.require(EnvVars.FUNCTION);
    this.handler =
        FunctionCatalog.find(name)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        EnvVars.FUNCTION
                            + "="
                            + name
                            + " names no function of the catalog; redeploy the stack"))
            .factory()
            .apply(config);
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    handler.handleRequest(input, output, context);
  }
}
