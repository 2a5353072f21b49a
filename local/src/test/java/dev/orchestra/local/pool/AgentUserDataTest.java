package dev.orchestra.local.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.shared.config.ConfigParser;
import dev.orchestra.shared.config.PoolConfig;
import dev.orchestra.shared.pool.PoolAgent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentUserDataTest {
  static PoolConfig pool(String name) {
    var parsed =
        ConfigParser.parsePool(
            "pool.yml",
            "pool_name: "
                + name
                + "\ninstance_types: [t3.micro]\nmax_instances: 2\nami: ami-12c6146b\n"
                + "setup_cmds: [\"echo 'set up'\"]\n");
    assertThat(parsed.findings()).isEmpty();
    return parsed.value();
  }

  @Test
  void settings_ofTheRealUserData_areTheAgentEnv_quotesIncluded() {
    PoolAgent.Settings s =
        new PoolAgent.Settings(
            "http://127.0.0.1:1/123456789012/orchestra-pool-p1",
            "http://127.0.0.1:1/123456789012/it's-results",
            "orchestra-local",
            "us-east-1",
            3,
            1);
    String wire = Base64.getEncoder().encodeToString(PoolAgent.userData(pool("p1"), s));

    Map<String, String> env = AgentUserData.settings(wire).orElseThrow();

    assertThat(env)
        .containsEntry("ORCHESTRA_POOL", "p1")
        .containsEntry("ORCHESTRA_WORK_QUEUE_URL", s.workQueueUrl())
        .containsEntry("ORCHESTRA_RESULTS_QUEUE_URL", s.resultsQueueUrl())
        .containsEntry("ORCHESTRA_BUCKET", "orchestra-local")
        .containsEntry("ORCHESTRA_IDLE_TIMEOUT_SECONDS", "3")
        .containsEntry("ORCHESTRA_HEARTBEAT_SECONDS", "1")
        .containsKey("ORCHESTRA_TRAINING_WRAPPER");
    LocalAgent.Settings agent = LocalAgent.Settings.of(env);
    assertThat(agent.pool()).isEqualTo("p1");
    assertThat(agent.idleTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(agent.heartbeat()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void settings_ofOtherUserData_areEmpty() {
    assertThat(AgentUserData.settings(null)).isEmpty();
    assertThat(AgentUserData.settings("")).isEmpty();
    assertThat(AgentUserData.settings("%%% not base64")).isEmpty();
    assertThat(
            AgentUserData.settings(
                Base64.getEncoder()
                    .encodeToString("#!/bin/sh\necho hello\n".getBytes(StandardCharsets.UTF_8))))
        .isEmpty();
  }

  @Test
  void unquote_readsShSingleQuotedWords() {
    assertThat(AgentUserData.unquote("'plain'")).isEqualTo("plain");
    assertThat(AgentUserData.unquote("'it'\\''s'")).isEqualTo("it's");
    assertThat(AgentUserData.unquote("''")).isEmpty();
  }
}
