package dev.orchestra.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AslTemplatesTest {

  private static final String TEMPLATE =
      "{\"Resource\":\"${DispatchFunctionArn}\",\"Next\":\"${RecordFunctionArn}\","
          + "\"Cost\":\"$5\",\"Again\":\"${DispatchFunctionArn}\"}";

  @Test
  void substitute_replacesEveryOccurrence_andLeavesOtherDollarsAlone() {
    String out =
        AslTemplates.substitute(
            "run",
            TEMPLATE,
            Map.of("DispatchFunctionArn", "arn:d$1", "RecordFunctionArn", "arn:r"),
            "fix");
    assertThat(out)
        .isEqualTo(
            "{\"Resource\":\"arn:d$1\",\"Next\":\"arn:r\",\"Cost\":\"$5\",\"Again\":\"arn:d$1\"}");
  }

  @Test
  void substitute_whenValuesMissing_namesEveryOneAndTheFix() {
    assertThatThrownBy(
            () ->
                AslTemplates.substitute(
                    "statemachines/run.asl.json", TEMPLATE, Map.of(), "give them"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "statemachines/run.asl.json: no value for placeholder(s) [DispatchFunctionArn,"
                + " RecordFunctionArn]; give them");
  }

  @Test
  void placeholders_listsEachNameOnce_sorted() {
    assertThat(AslTemplates.placeholders(TEMPLATE))
        .containsExactly("DispatchFunctionArn", "RecordFunctionArn");
  }
}
