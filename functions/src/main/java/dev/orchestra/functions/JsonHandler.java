package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.aws.Transience;
import dev.orchestra.shared.TransientFailureException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A handler whose input and output are JSON: decode → one call → encode. Errors propagate as
 * exceptions, which Lambda reports under their fully-qualified class name for ASL to match; an AWS
 * call's transient failure (see {@link Transience}) is reported as {@link
 * TransientFailureException}, which the state machines retry.
 */
public abstract class JsonHandler implements RequestStreamHandler {

  @Override
  public final void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    JsonNode in = Json.MAPPER.readTree(input);
    Object out;
    try {
      out = handle(in == null ? Json.MAPPER.createObjectNode() : in);
    } catch (RuntimeException e) {
      if (Transience.isTransient(e)) {
        // One name for "try the step again later", which the state machines retry with backoff.
        throw new TransientFailureException(e.toString(), e);
      }
      throw e;
    }
    Json.MAPPER.writeValue(output, out == null ? Json.MAPPER.createObjectNode() : out);
  }

  protected abstract Object handle(JsonNode input);

  protected static String text(JsonNode in, String field) {
    JsonNode v = in.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("input field " + field + " is missing");
    }
    return v.asText();
  }
}
