package dev.orchestra.cdk.bench;

import dev.orchestra.functions.LambdaEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * One function's cold start in this (fresh) JVM, as Lambda does it without SnapStart: construct the
 * handler class ({@code LambdaEntry}, configuration from the environment) and invoke it once with
 * the input given as the first argument. Prints one line: function, JVM start to main, init and
 * first-invocation milliseconds, and the invocation's outcome (an exception is an outcome: the
 * first call still builds its clients and makes its first request). Run by scripts/cold-start.sh.
 */
public final class ColdStartProbe {
  private ColdStartProbe() {}

  public static void main(String[] args) {
    long jvmToMain =
        System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    long t0 = System.nanoTime();
    LambdaEntry handler = new LambdaEntry();
    long t1 = System.nanoTime();
    String outcome;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      handler.handleRequest(
          new ByteArrayInputStream(args[0].getBytes(StandardCharsets.UTF_8)), out, null);
      outcome = "ok " + truncate(out.toString(StandardCharsets.UTF_8));
    } catch (Exception | Error e) {
      outcome = e.getClass().getName() + ": " + truncate(String.valueOf(e.getMessage()));
    }
    long t2 = System.nanoTime();
    System.out.printf(
        "%s jvm_to_main_ms=%d init_ms=%d first_invocation_ms=%d total_ms=%d outcome=%s%n",
        System.getenv("ORCHESTRA_FUNCTION"),
        jvmToMain,
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (t2 - t0) / 1_000_000,
        outcome);
  }

  private static String truncate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() > 120 ? one.substring(0, 120) + "…" : one;
  }
}
