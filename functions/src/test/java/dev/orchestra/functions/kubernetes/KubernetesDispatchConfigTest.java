package dev.orchestra.functions.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.shared.run.JobSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubernetesDispatchConfigTest {

  static Map<String, String> base() {
    Map<String, String> m = new HashMap<>();
    m.put("ORCHESTRA_REPORTER_IMAGE", JobSettings.LOCAL_REPORTER_IMAGE);
    m.put("ORCHESTRA_RESULTS_QUEUE_URL", "http://q/results");
    m.put("ORCHESTRA_BUCKET", "bkt");
    m.put("AWS_REGION", "us-east-1");
    return m;
  }

  @Test
  void defaults() {
    JobSettings s = KubernetesDispatchConfig.jobSettings(new OrchestraConfig(base()));

    assertThat(s.heartbeatSeconds()).isEqualTo(60);
    assertThat(s.startTimeoutSeconds()).isEqualTo(1800);
    assertThat(s.ttlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(s.serviceAccountName()).isEqualTo("orchestra-reporter");
    assertThat(s.activeDeadlineSeconds()).isNull();
    assertThat(s.region()).isEqualTo("us-east-1");
  }

  @Test
  void timeScale_shortensHeartbeatAndStartTimeout_toAtLeastOneSecond() {
    Map<String, String> m = base();
    m.put("ORCHESTRA_TIME_SCALE", "0.05");
    m.put("ORCHESTRA_JOB_TTL_SECONDS", "120");

    JobSettings s = KubernetesDispatchConfig.jobSettings(new OrchestraConfig(m));

    assertThat(s.heartbeatSeconds()).isEqualTo(3);
    assertThat(s.startTimeoutSeconds()).isEqualTo(90);
    assertThat(s.ttlSecondsAfterFinished()).isEqualTo(120);
    m.put("ORCHESTRA_TIME_SCALE", "0.001");
    assertThat(KubernetesDispatchConfig.jobSettings(new OrchestraConfig(m)).heartbeatSeconds())
        .isEqualTo(1);
  }

  @Test
  void missingOrUnpinnedReporterImage_saysWhatToSet() {
    Map<String, String> m = base();
    m.remove("ORCHESTRA_REPORTER_IMAGE");
    assertThatThrownBy(() -> KubernetesDispatchConfig.jobSettings(new OrchestraConfig(m)))
        .hasMessageContaining("ORCHESTRA_REPORTER_IMAGE is not set");
    m.put("ORCHESTRA_REPORTER_IMAGE", "amazon/aws-cli:latest");
    assertThatThrownBy(() -> KubernetesDispatchConfig.jobSettings(new OrchestraConfig(m)))
        .hasMessageContaining("not pinned by digest");
  }
}
