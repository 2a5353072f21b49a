package dev.orchestra.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.cli.bench.HostileInput.Target;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * A short, seeded hostile-input campaign (the long one is {@code orchestra bench fuzz}): every
 * generated YAML file and results message gives a model, findings or a rejection within 1 s.
 */
class HostileInputFuzzTest {
  static final HostileInput FUZZ = new HostileInput();

  @Property(tries = 300, seed = "20261122", shrinking = ShrinkingMode.OFF)
  void hostileYaml_givesAModelOrFindings_within1s(
      @ForAll Target target, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long seed) {
    String input = HostileInput.generate(target, seed);
    assertThat(FUZZ.check(target, input)).as("%s seed %d", target, seed).isEmpty();
  }

  @Property(tries = 300, seed = "20261122", shrinking = ShrinkingMode.OFF)
  void hostileResultMessage_isDecodedOrRejected_within1s(
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long seed) {
    String input = HostileInput.generate(Target.RESULT_MESSAGE, seed);
    assertThat(FUZZ.check(Target.RESULT_MESSAGE, input)).as("seed %d", seed).isEmpty();
  }

  @Property(tries = 300, seed = "20261122", shrinking = ShrinkingMode.OFF)
  void hostileApiRequest_isDecodedOrRefusedAs4xx_within1s(
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long seed) {
    String input = HostileInput.generate(Target.API_REQUEST, seed);
    assertThat(FUZZ.check(Target.API_REQUEST, input)).as("seed %d", seed).isEmpty();
  }

  @Test
  void apiDecoding_acceptsAValidSubmission_andRefusesAnUnknownJsonFieldTypeAs4xx() {
    assertThat(
            HostileInput.decodeApiRequest(
                "experiments\napplication/json\n" + HostileInput.API_JSON_SUBMISSION))
        .isEmpty();
    assertThat(HostileInput.decodeApiRequest("experiments\napplication/json\n{\"experiment\": 7}"))
        .as("refused as a 400, not thrown as something else")
        .isEmpty();
    assertThat(HostileInput.decodeApiRequest("list\n-5\nnot-a-token\n../../etc")).isEmpty();
  }

  @Test
  void campaign_countsInputsAndReportsNoFailures() {
    HostileInput.Campaign c = FUZZ.run(1, java.time.Duration.ofSeconds(20), 400);
    assertThat(c.inputs()).isEqualTo(400);
    assertThat(c.failures()).isEmpty();
    assertThat(c.slowestCpu()).isLessThan(HostileInput.LIMIT);
  }
}
