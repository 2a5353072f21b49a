package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.local.moto.MotoServer;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.plan.ResourcePlanProvider;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.local.testing.TestFunctions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * A whole runtime (router, pollers, mock Kubernetes, process node) replaced while a Task is in
 * flight, against a moto that lives on: the engine's retries carry the Task to the new runtime.
 */
class RuntimeRestartTest {
  @TempDir Path dir;

  @Test
  void newRuntimeOnTheSamePorts_finishesTheTaskInFlight() throws Exception {
    int motoPort = LocalRuntime.freePort();
    int routerPort = LocalRuntime.freePort();
    CountDownLatch entered = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    TestFunctions functions =
        new TestFunctions()
            .add(
                "echo",
                (in, out, ctx) -> {
                  if (calls.incrementAndGet() == 1) {
                    entered.countDown();
                    try {
                      new CountDownLatch(1).await(); // the first runtime dies with this call open
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                  }
                  in.transferTo(out);
                });
    ResourcePlanProvider plan =
        env ->
            ResourcePlan.builder()
                .stateMachine("echo", TestFunctions.asl("echo.asl.json"))
                .substitution("EchoFunctionArn", env.lambdaArn("echo"))
                .build();
    LocalRuntimeOptions options =
        LocalRuntimeOptions.of(functions, plan)
            .withPorts(motoPort, true, routerPort, 0)
            .withStateDir(dir);

    try (MotoServer moto =
        MotoServer.start(
            new MotoServer.Launch(
                LocalRuntimeOptions.defaults().python(),
                motoPort,
                routerPort,
                dir,
                dir.resolve("moto.log"),
                false,
                ProcessHandle.current().pid()),
            Duration.ofSeconds(60))) {
      String arn;
      try (LocalRuntime first = LocalRuntime.start(options)) {
        arn =
            first
                .aws()
                .sfn()
                .startExecution(
                    b ->
                        b.stateMachineArn(first.environment().stateMachineArn("echo"))
                            .name("across")
                            .input("{\"k\":2}"))
                .executionArn();
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
      } // the runtime goes away mid-Task

      try (LocalRuntime second = LocalRuntime.start(options)) {
        DescribeExecutionResponse d =
            Poll.until(
                "the execution to end",
                Duration.ofSeconds(60),
                () -> {
                  DescribeExecutionResponse r =
                      second.aws().sfn().describeExecution(b -> b.executionArn(arn));
                  return r.status() == ExecutionStatus.RUNNING ? null : r;
                });
        assertThat(d.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(d.output()).contains("\"k\"");
        assertThat(calls.get()).isEqualTo(2);
      }
    }
  }
}
