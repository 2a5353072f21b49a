package dev.orchestra.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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

  @Test
  void forEach_runsEveryItemAtOnce_andAFailureStopsNoneOfTheOthers() {
    List<String> roles = List.of("a-role", "b-role", "c-role");
    CountDownLatch allStarted = new CountDownLatch(roles.size());
    Set<String> done = ConcurrentHashMap.newKeySet();
    IllegalStateException denied = new IllegalStateException("b-role: access denied");
    assertThatThrownBy(
            () ->
                Concurrently.forEach(
                    "delete-role",
                    roles,
                    role -> {
                      allStarted.countDown();
                      try {
                        // each waits for the others to start: only true concurrency gets past
                        assertThat(allStarted.await(10, TimeUnit.SECONDS)).isTrue();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                      if (role.equals("b-role")) {
                        throw denied;
                      }
                      done.add(role);
                    }))
        .isSameAs(denied);
    assertThat(done).containsExactlyInAnyOrder("a-role", "c-role");
  }
}
