package dev.orchestra.cdk;

import dev.orchestra.functions.FunctionCatalog;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * What each deployed function needs: its jar (function group), timeout, memory and the accesses its
 * code makes, read from the handlers and the services they call. A catalog entry without a spec
 * stops the synth: a new function must say what it calls before it gets a role.
 */
public final class FunctionSpecs {

  /** The AWS calls a function's code makes, each turned into IAM actions on named resources. */
  public enum Access {
    /** dynamodb:GetItem/PutItem/UpdateItem/Query/ConditionCheckItem on the experiments table. */
    TABLE,
    /** s3:GetObject in the bucket (experiment and run files, optimizer state). */
    BUCKET_READ,
    /** s3:PutObject in the bucket (status files, optimizer state). */
    BUCKET_WRITE,
    /** states:StartExecution of the experiment state machine. */
    START_EXPERIMENT,
    /** states:StartExecution of the run state machine. */
    START_RUN,
    /** states:SendTaskSuccess/Failure/Heartbeat for the experiment state machine's tokens. */
    TASK_EXPERIMENT,
    /** states:SendTaskSuccess/Failure/Heartbeat for the run state machine's tokens. */
    TASK_RUN,
    /** eks:DescribeCluster (the Kubernetes endpoint and CA of a target cluster). */
    EKS_DESCRIBE
  }

  /** One function: its jar group, timeout, memory and accesses. */
  public record Spec(String group, int timeoutSeconds, int memoryMb, Set<Access> access) {}

  /** The jar of functions that need neither the Kubernetes client nor EKS. */
  public static final String LOOP = "loop";

  /** The jar with the Kubernetes client and EKS. */
  public static final String DISPATCH = "dispatch";

  private static final Map<String, Spec> SPECS =
      Map.of(
          FunctionCatalog.INTAKE,
          new Spec(
              LOOP,
              30,
              1024,
              EnumSet.of(
                  Access.TABLE, Access.BUCKET_READ, Access.BUCKET_WRITE, Access.START_EXPERIMENT)),
          FunctionCatalog.PREPARE,
          new Spec(LOOP, 60, 1024, EnumSet.of(Access.TABLE, Access.BUCKET_WRITE, Access.START_RUN)),
          FunctionCatalog.WAIT_UNTIL_DONE,
          new Spec(
              LOOP,
              30,
              1024,
              EnumSet.of(Access.TABLE, Access.BUCKET_WRITE, Access.TASK_EXPERIMENT)),
          FunctionCatalog.FINALIZE,
          new Spec(LOOP, 60, 1024, EnumSet.of(Access.TABLE, Access.BUCKET_WRITE)),
          FunctionCatalog.DISPATCH,
          new Spec(
              DISPATCH,
              120,
              1536,
              EnumSet.of(
                  Access.TABLE,
                  Access.BUCKET_READ,
                  Access.BUCKET_WRITE,
                  Access.START_RUN,
                  Access.TASK_EXPERIMENT,
                  Access.EKS_DESCRIBE)),
          FunctionCatalog.RECORD,
          new Spec(
              LOOP,
              60,
              1024,
              EnumSet.of(
                  Access.TABLE, Access.BUCKET_WRITE, Access.START_RUN, Access.TASK_EXPERIMENT)),
          FunctionCatalog.RECORD_FAILURE,
          new Spec(
              LOOP,
              60,
              1024,
              EnumSet.of(
                  Access.TABLE, Access.BUCKET_WRITE, Access.START_RUN, Access.TASK_EXPERIMENT)),
          FunctionCatalog.RESULTS,
          new Spec(LOOP, 30, 1024, EnumSet.of(Access.TABLE, Access.TASK_RUN)));

  private FunctionSpecs() {}

  /**
   * @throws IllegalStateException when the catalog has a function this table does not describe
   */
  public static Spec of(String functionName) {
    Spec spec = SPECS.get(functionName);
    if (spec == null) {
      throw new IllegalStateException(
          "function "
              + functionName
              + " is in FunctionCatalog but not in cdk FunctionSpecs; add its jar group, timeout,"
              + " memory and the AWS calls its code makes there");
    }
    return spec;
  }

  /** The shaded jar of a group, as the functions module's {@code lambda} profile names it. */
  public static String jarName(String group) {
    return "orchestra-functions-" + group + ".jar";
  }
}
