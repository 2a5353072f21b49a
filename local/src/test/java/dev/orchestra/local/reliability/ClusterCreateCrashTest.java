package dev.orchestra.local.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.Json;
import dev.orchestra.functions.cluster.ClusterStore;
import dev.orchestra.local.LocalAwsClients;
import dev.orchestra.local.cluster.ClusterResources;
import dev.orchestra.local.state.LocalStack;
import dev.orchestra.local.state.LocalState;
import dev.orchestra.local.testing.Poll;
import dev.orchestra.shared.TimeScale;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The runtime JVM dies ({@code kill -9}) while a cluster create is in flight; moto keeps the
 * execution, whose engine retries its Lambda call until {@code local up} brings the router back.
 * The create then finishes: the cluster complete, or (had it failed) rolled back to nothing.
 */
class ClusterCreateCrashTest {
  @TempDir Path home;
  private LocalStack stack;

  @AfterEach
  void down() throws IOException {
    if (stack != null) {
      stack.down();
    }
  }

  @Test
  void killMinus9DuringClusterCreate_thenUp_theCreateCompletes() throws IOException {
    TimeScale scale = new TimeScale(0.02);
    stack = new LocalStack(home, line -> {});
    LocalState state = stack.up(scale);
    String c = "crash-cluster";
    String machine =
        "arn:aws:states:"
            + state.region()
            + ":123456789012:stateMachine:"
            + ClusterResources.CREATE_MACHINE;
    String arn;
    try (LocalAwsClients aws = new LocalAwsClients(state.awsEndpoint(), state.region())) {
      String input =
          Json.write(
              Map.of(
                  "clusterName",
                  c,
                  "configYaml",
                  "cluster_name: "
                      + c
                      + "\ncpu: {instance_type: m5.large, min_nodes: 0, max_nodes: 2}\n",
                  "principalArn",
                  "arn:aws:iam::123456789012:user/alice"));
      arn =
          aws.sfn()
              .startExecution(b -> b.stateMachineArn(machine).name("crash-create").input(input))
              .executionArn();
      // The cluster exists (a real resource to finish or undo) when the runtime dies.
      Poll.until(
          "the create to reach its access entries",
          Duration.ofSeconds(90),
          () ->
              aws
                  .sfn()
                  .getExecutionHistory(b -> b.executionArn(arn).maxResults(1000))
                  .events()
                  .stream()
                  .anyMatch(
                      e ->
                          e.stateEnteredEventDetails() != null
                              && e.stateEnteredEventDetails()
                                  .name()
                                  .equals("CreateAccessEntries")));
    }
    long runtimePid = state.runtimePid();
    ProcessHandle.of(runtimePid).orElseThrow().destroyForcibly(); // kill -9
    Poll.until(
        "the runtime to die",
        Duration.ofSeconds(20),
        () -> !ProcessHandle.of(runtimePid).map(ProcessHandle::isAlive).orElse(false));
    LocalState restarted = stack.up(scale);
    assertThat(restarted.motoPid()).isEqualTo(state.motoPid());
    assertThat(restarted.routerPort()).isEqualTo(state.routerPort());

    try (LocalAwsClients aws = new LocalAwsClients(restarted.awsEndpoint(), restarted.region())) {
      DescribeExecutionResponse d =
          Poll.until(
              "the create to end after the restart",
              Duration.ofSeconds(150),
              () -> {
                DescribeExecutionResponse x = aws.sfn().describeExecution(b -> b.executionArn(arn));
                return x.status() == ExecutionStatus.RUNNING ? null : x;
              });
      var store = new ClusterStore(aws.dynamo(), ClusterResources.TABLE).get(c);
      try (var eks =
          software.amazon.awssdk.services.eks.EksClient.builder()
              .endpointOverride(java.net.URI.create(restarted.awsEndpoint()))
              .region(software.amazon.awssdk.regions.Region.of(restarted.region()))
              .credentialsProvider(
                  software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                      software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                          "test", "test")))
              .build()) {
        List<String> roles =
            aws.iam().listRoles(b -> b.pathPrefix("/orchestra/")).roles().stream()
                .map(r -> r.roleName())
                .filter(n -> n.startsWith(c + "-"))
                .toList();
        if (d.status() == ExecutionStatus.SUCCEEDED) {
          assertThat(eks.describeCluster(b -> b.name(c)).cluster().status().toString())
              .isEqualTo("ACTIVE");
          assertThat(eks.listNodegroups(b -> b.clusterName(c)).nodegroups()).hasSize(2);
          assertThat(eks.listAccessEntries(b -> b.clusterName(c)).accessEntries())
              .hasSizeGreaterThanOrEqualTo(3);
          assertThat(store).hasValueSatisfying(r -> assertThat(r.status()).isEqualTo("ACTIVE"));
        } else {
          // Rolled back: nothing left.
          assertThat(eks.listClusters().clusters()).as(d.cause()).doesNotContain(c);
          assertThat(roles).as(d.cause()).isEmpty();
          assertThat(store)
              .hasValueSatisfying(r -> assertThat(r.created()).as(d.cause()).isEmpty());
        }
        System.out.println("cluster create across a runtime crash ended " + d.status());
      }
    }
  }
}
