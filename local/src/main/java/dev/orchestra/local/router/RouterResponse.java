package dev.orchestra.local.router;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A gap filler's answer. */
public record RouterResponse(int status, Map<String, String> headers, byte[] body) {

  public static RouterResponse json(int status, String json) {
    return new RouterResponse(
        status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
  }
}
