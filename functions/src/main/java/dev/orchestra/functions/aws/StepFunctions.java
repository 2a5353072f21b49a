package dev.orchestra.functions.aws;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * Step Functions as the loop uses it: deterministic execution names (an existing execution of that
 * name counts as started) and task tokens (a token that closed already is not an error: the message
 * was a duplicate or came late).
 */
public class StepFunctions {
  private static final Logger LOG = LoggerFactory.getLogger(StepFunctions.class);
  private final Supplier<SfnClient> client;

  public StepFunctions(SfnClient sfn) {
    this(() -> sfn);
  }

  /**
   * With the client built on the first call: a function that never calls Step Functions pays
   * nothing.
   */
  public StepFunctions(Supplier<SfnClient> client) {
    this.client = client;
  }

  /** Starts {@code name}; true when this call started it, false when it existed. */
  public boolean start(String stateMachineArn, String name, String input) {
    try {
      client.get().startExecution(b -> b.stateMachineArn(stateMachineArn).name(name).input(input));
      return true;
    } catch (ExecutionAlreadyExistsException exists) {
      return false;
    }
  }

  /**
   * Stops an execution; false when there is none of that ARN or it ended already (a repeated stop
   * is harmless).
   */
  public boolean stop(String executionArn, String cause) {
    try {
      var d = client.get().describeExecution(b -> b.executionArn(executionArn));
      if (d.status() != software.amazon.awssdk.services.sfn.model.ExecutionStatus.RUNNING) {
        return false;
      }
      client.get().stopExecution(b -> b.executionArn(executionArn).cause(cause));
      return true;
    } catch (software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException none) {
      return false;
    }
  }

  /** The ARN of execution {@code name} of a state machine. */
  public static String executionArn(String stateMachineArn, String name) {
    return stateMachineArn.replaceFirst(":stateMachine:", ":execution:") + ":" + name;
  }

  public boolean success(String token, String output) {
    return closed(
        () -> client.get().sendTaskSuccess(b -> b.taskToken(token).output(output)), "success");
  }

  public boolean failure(String token, String error, String cause) {
    return closed(
        () -> client.get().sendTaskFailure(b -> b.taskToken(token).error(error).cause(cause)),
        "failure");
  }

  public boolean heartbeat(String token) {
    return closed(() -> client.get().sendTaskHeartbeat(b -> b.taskToken(token)), "heartbeat");
  }

  private static boolean closed(Runnable call, String what) {
    try {
      call.run();
      return true;
    } catch (TaskTimedOutException | InvalidTokenException | TaskDoesNotExistException gone) {
      LOG.info("task {} not delivered: the task already closed ({})", what, gone.getClass());
      return false;
    }
  }
}
