package dev.orchestra.functions.results;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.aws.StepFunctions;
import dev.orchestra.shared.run.RunFailedException;
import dev.orchestra.shared.run.RunLostException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A carrier's result turned into the task-token call that ends a Dispatch task: success with the
 * metrics for exit 0, {@link RunFailedException} for another exit code, {@link RunLostException}
 * when the carrier saw its process vanish without an exit. One place, because the results handler
 * delivers it when the message arrives and Dispatch delivers it again when the same attempt is
 * dispatched twice after its result was already in (an engine retry of the invocation).
 */
public final class TaskOutcome {
  private TaskOutcome() {}

  /**
   * Completes the task behind {@code token}.
   *
   * @return false when the task had closed already
   */
  public static boolean deliver(
      StepFunctions sfn,
      String token,
      Integer exitCode,
      Map<String, Object> metrics,
      String outputTail) {
    if (exitCode == null) {
      return sfn.failure(
          token,
          RunLostException.NAME,
          cause("the run's process was lost", null, metrics, outputTail));
    }
    if (exitCode == 0) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("exitCode", 0);
      out.put("metrics", metrics);
      out.put("outputTail", outputTail);
      return sfn.success(token, Json.write(out));
    }
    return sfn.failure(
        token, RunFailedException.NAME, cause("exit " + exitCode, exitCode, metrics, outputTail));
  }

  private static String cause(
      String message, Integer exitCode, Map<String, Object> metrics, String tail) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("errorMessage", message);
    c.put("exitCode", exitCode);
    c.put("metrics", metrics);
    // Step Functions caps a cause at 32,768 characters.
    if (tail != null && tail.length() > 16_000) {
      tail = tail.substring(tail.length() - 16_000);
    }
    c.put("outputTail", tail);
    return Json.write(c);
  }
}
