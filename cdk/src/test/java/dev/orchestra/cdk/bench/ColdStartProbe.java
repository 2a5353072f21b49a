package dev.orchestra.cdk.bench;

import dev.orchestra.cdk.FunctionSpecs;
import dev.orchestra.functions.LambdaEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One function's cold start in this (fresh) JVM, as Lambda does it without SnapStart: construct the
 * handler class ({@code LambdaEntry}, configuration from the environment) and invoke it once with
 * the input given as the first argument. Prints one line: function, JVM start to main, init and
 * first-invocation milliseconds, the SDK clients its role lets it use, and the invocation's outcome
 * (an exception is an outcome: the first call still builds its clients and makes its first
 * request). Run by scripts/cold-start.sh.
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
    String function = System.getenv("ORCHESTRA_FUNCTION");
    // After the measurement (FunctionSpecs is not part of a deployed function).
    String allowed = String.join(",", allowedClients(function));
    System.out.printf(
        "%s jvm_to_main_ms=%d init_ms=%d first_invocation_ms=%d total_ms=%d allowed=%s"
            + " outcome=%s%n",
        function,
        jvmToMain,
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (t2 - t0) / 1_000_000,
        allowed,
        outcome);
    // After the report: the API function's Micronaut context leaves a non-daemon IO executor
    // thread (its 60 s keep-alive held this JVM open a minute). Lambda freezes the process instead.
    System.out.flush();
    System.exit(0);
  }

  /**
   * The SDK clients a function may use: those whose calls its role allows ({@link FunctionSpecs}
   * lists the calls its code makes). A client built beyond these is one the function does not use
   * (it could not: its role forbids every call), so scripts/cold-start.sh fails on it.
   */
  static SortedSet<String> allowedClients(String function) {
    SortedSet<String> out = new TreeSet<>();
    for (FunctionSpecs.Access a : FunctionSpecs.of(function).access()) {
      out.addAll(
          switch (a) {
            case TABLE,
                TABLE_SCAN,
                CLUSTER_TABLE,
                CLUSTER_TABLE_DELETE,
                CLUSTER_TABLE_SCAN,
                TABLE_READ,
                POOL_TABLE,
                POOL_TABLE_DELETE,
                POOL_TABLE_SCAN ->
                List.of("DynamoDb");
            case BUCKET_READ, BUCKET_WRITE -> List.of("S3");
            case START_EXPERIMENT,
                START_RUN,
                TASK_EXPERIMENT,
                TASK_RUN,
                START_CLUSTER_DESTROY,
                STOP_RUN,
                CLUSTER_LIFECYCLE,
                FAIL_RUN_TASK ->
                List.of("Sfn");
            case EKS_DESCRIBE,
                EKS_CLUSTER_WRITE,
                EKS_NODEGROUPS_READ,
                EKS_NODEGROUPS_WRITE,
                EKS_ACCESS_ENTRIES,
                EKS_ADDONS,
                KUBERNETES ->
                List.of("Eks");
            case IAM_POLICY_READ,
                RUNTIME_ROLE_READ,
                RUNTIME_ROLES_PASS,
                RUNTIME_ROLES_MANAGE,
                RUNTIME_ROLE_TRUST ->
                List.of("Iam");
            case EC2_DESCRIBE,
                POOL_INSTANCES_READ,
                POOL_EC2_DESCRIBE,
                POOL_TERMINATE,
                POOL_CANCEL_SPOT ->
                List.of("Ec2");
            case POOL_LAUNCH -> List.of("Ec2", "Iam");
            case POOL_QUEUE_SEND -> List.of("Sqs");
            case POOL_RESOURCES, POOL_RESOURCES_REMOVE -> List.of("Sqs", "Iam", "EventBridge");
            case IDLE_SCHEDULE, IDLE_UNSCHEDULE -> List.of("EventBridge");
          });
    }
    return out;
  }

  private static String truncate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() > 120 ? one.substring(0, 120) + "…" : one;
  }
}
