package dev.orchestra.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrentlyTest {

  @Test
  void aCallRunsOnItsOwnThread_whileTheCallerGoesOn() throws Exception {
    CountDownLatch callerWentOn = new CountDownLatch(1);
    CompletableFuture<String> call =
        Concurrently.start(
            "test-call",
            () -> {
              try {
                assertThat(callerWentOn.await(10, TimeUnit.SECONDS)).isTrue();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              return Thread.currentThread().getName();
            });
    assertThat(call).isNotDone();
    callerWentOn.countDown();
    assertThat(Concurrently.join(call)).isEqualTo("orchestra-test-call");
  }

  @Test
  void join_throwsTheCallsOwnException_asACallerCallingDirectlyWouldGetIt() {
    IllegalStateException thrown = new IllegalStateException("no cluster named x is recorded");
    CompletableFuture<Object> call =
        Concurrently.start(
            "failing",
            () -> {
              throw thrown;
            });
    assertThatThrownBy(() -> Concurrently.join(call)).isSameAs(thrown);
  }
}
