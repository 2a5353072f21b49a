package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.local.state.LocalStack;
import dev.orchestra.local.state.LocalState;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code local up|status|down} with real background processes (moto and a runtime JVM). */
class LocalStackTest {
  @TempDir Path home;
  private final List<String> progress = new CopyOnWriteArrayList<>();
  private LocalStack stack;

  @AfterEach
  void down() throws Exception {
    if (stack != null) {
      stack.down();
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String procState(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/status"))
          .lines()
          .limit(4)
          .toList()
          .toString();
    } catch (java.io.IOException e) {
      return "gone";
    }
  }

  @Test
  void up_reattaches_restartsADeadRuntimeOnTheSamePort_andDownStopsBoth() throws Exception {
    stack = new LocalStack(home, progress::add);

    LocalState first = stack.up(new TimeScale(0.05));

    assertThat(stack.stateFile()).exists();
    assertThat(Files.readString(stack.stateFile()))
        .contains("\"aws_endpoint\"", "\"moto_pid\"", "\"runtime_pid\"");
    assertThat(stack.status().running()).isTrue();
    assertThat(progress)
        .anyMatch(l -> l.startsWith("starting moto"))
        .anyMatch(l -> l.startsWith("local runtime ready"));
    try (LocalAwsClients aws = new LocalAwsClients(first.awsEndpoint(), first.region())) {
      aws.sqs().createQueue(b -> b.queueName("kept"));
    }

    LocalState again = stack.up(new TimeScale(0.05));
    assertThat(again).isEqualTo(first);
    assertThat(progress).anyMatch(l -> l.startsWith("local runtime already running"));

    ProcessHandle.of(first.runtimePid()).orElseThrow().destroyForcibly(); // the runtime JVM crashes
    Poll.until("the runtime to die", Duration.ofSeconds(20), () -> !alive(first.runtimePid()));
    LocalState restarted = stack.up(new TimeScale(0.05));

    assertThat(restarted.motoPid()).isEqualTo(first.motoPid());
    assertThat(restarted.routerPort()).isEqualTo(first.routerPort());
    assertThat(restarted.runtimePid()).isNotEqualTo(first.runtimePid());
    try (LocalAwsClients aws = new LocalAwsClients(restarted.awsEndpoint(), restarted.region())) {
      assertThat(aws.sqs().listQueues().queueUrls())
          .contains(restarted.awsEndpoint() + "/123456789012/kept");
    }

    assertThat(stack.down()).isTrue();
    stack = null;
    assertThat(alive(restarted.runtimePid()))
        .as(progress + " " + procState(restarted.runtimePid()))
        .isFalse();
    assertThat(alive(restarted.motoPid())).isFalse();
  }
}
