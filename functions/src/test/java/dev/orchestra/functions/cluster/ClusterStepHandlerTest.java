package dev.orchestra.functions.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestra.functions.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a step's input is decoded before the service is called. */
class ClusterStepHandlerTest {

  static JsonNode field(String json) throws Exception {
    return Json.MAPPER.readTree("{\"subnetIds\": " + json + "}").get("subnetIds");
  }

  @Test
  void subnetIds_asFindSubnetsReportsThem_areTaken() throws Exception {
    assertThat(ClusterStepHandler.subnetIds(field("[\"subnet-0a1b2c3d\", \"subnet-1\"]")))
        .isEqualTo(List.of("subnet-0a1b2c3d", "subnet-1"));
  }

  @Test
  void subnetIds_absent_meanAnExecutionStartedBeforeFindSubnets() throws Exception {
    assertThat(ClusterStepHandler.subnetIds(null)).isNull();
    assertThat(ClusterStepHandler.subnetIds(field("null"))).isNull();
  }

  @Test
  void subnetIds_ofAnotherShape_areRefused_notFiltered() {
    for (String bad :
        List.of("[]", "\"subnet-1\"", "[\"subnet-1\", 7]", "[\"vpc-1\"]", "[\"subnet-1\", null]")) {
      assertThatThrownBy(() -> ClusterStepHandler.subnetIds(field(bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("subnetIds must be a non-empty list of subnet ids");
    }
  }
}
