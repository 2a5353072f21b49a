package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.local.testing.TestFunctions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The emulator's floor through the router: a 4-Task machine with no-op (echo) handlers, run
 * sequentially and at bandwidth 4. Not part of the suite; run with {@code mvn -B -q -pl local -am
 * test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=EngineFloorBenchmark -Dorchestra.bench=true}
 * and read the figures in
 * local/target/surefire-reports/dev.orchestra.local.EngineFloorBenchmark-output.txt.
 */
@EnabledIfSystemProperty(named = "orchestra.bench", matches = "true")
class EngineFloorBenchmark {
  private static final int RUNS = 40;

  @Test
  void fourTaskMachine_sequentialAndAtBandwidthFour() throws Exception {
    try (LocalRuntime rt =
        LocalRuntime.start(
            LocalRuntimeOptions.of(
                new TestFunctions().add("echo", TestFunctions.echo()),
                env ->
                    ResourcePlan.builder()
                        .stateMachine("four", TestFunctions.asl("four-tasks.asl.json"))
                        .substitution("EchoFunctionArn", env.lambdaArn("echo"))
                        .build()))) {
      SfnClient sfn = rt.aws().sfn();
      String machine = rt.environment().stateMachineArn("four");
      run(sfn, machine, "warm", 4, 1);
      long t0 = System.nanoTime();
      run(sfn, machine, "seq", RUNS, 1);
      double sequential = (System.nanoTime() - t0) / 1e6 / RUNS;
      t0 = System.nanoTime();
      run(sfn, machine, "bw4", RUNS, 4);
      double bandwidth4 = (System.nanoTime() - t0) / 1e6 / RUNS;
      System.out.printf(
          "ENGINE FLOOR (4 Lambda Tasks, echo handlers, %d runs): sequential %.0f ms/run, bandwidth 4 %.0f ms/run%n",
          RUNS, sequential, bandwidth4);
    }
  }

  /** Runs {@code count} executions keeping {@code width} in flight; all must succeed. */
  private static void run(SfnClient sfn, String machine, String prefix, int count, int width) {
    List<String> inFlight = new ArrayList<>();
    int started = 0;
    int done = 0;
    while (done < count) {
      while (inFlight.size() < width && started < count) {
        String name = prefix + "-" + started++;
        inFlight.add(
            sfn.startExecution(b -> b.stateMachineArn(machine).name(name).input("{\"x\":1}"))
                .executionArn());
      }
      // Executions end roughly in start order: polling only the oldest keeps the probe's own
      // load on moto small (one DescribeExecution per 20 ms).
      String finished = inFlight.get(0);
      Poll.until(
          "an execution to end",
          Duration.ofSeconds(60),
          () ->
              sfn.describeExecution(b -> b.executionArn(finished)).status()
                  != ExecutionStatus.RUNNING);
      assertThat(sfn.describeExecution(b -> b.executionArn(finished)).status())
          .isEqualTo(ExecutionStatus.SUCCEEDED);
      inFlight.remove(finished);
      done++;
    }
  }
}
