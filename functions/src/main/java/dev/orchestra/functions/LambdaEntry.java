package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.orchestra.functions.aws.AwsClients;
import dev.orchestra.shared.EnvVars;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The handler class Lambda instantiates for every deployed function ({@code
 * dev.orchestra.functions.LambdaEntry::handleRequest}). Its no-argument constructor, Lambda's init
 * phase, reads the configuration from the environment once and builds the {@link FunctionCatalog}
 * entry named by {@code ORCHESTRA_FUNCTION}. Meanwhile, each on a thread of its own, it builds the
 * SDK clients every invocation of that function uses ({@link FunctionCatalog.Entry#clients}), and
 * it loads the JSON mapper every invocation reads its input with: init runs with burst CPU, and
 * these are most of a Java function's cold start. Any other client stays lazy, built on first use.
 */
public final class LambdaEntry implements RequestStreamHandler {
  private final RequestStreamHandler handler;

  public LambdaEntry() {
    this(OrchestraConfig.fromEnvironment());
  }

  public LambdaEntry(OrchestraConfig config) {
    String name = config.require(EnvVars.FUNCTION);
    FunctionCatalog.Entry entry =
        FunctionCatalog.find(name)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        EnvVars.FUNCTION
                            + "="
                            + name
                            + " names no function of the catalog; redeploy the stack"));
    AwsClients aws = new AwsClients(config);
    AwsClients.Prebuild clients = aws.prebuild(entry.clients().apply(config));
    this.handler = entry.factory().apply(config, aws);
    Json.warm();
    try {
      clients.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    handler.handleRequest(input, output, context);
  }
}
