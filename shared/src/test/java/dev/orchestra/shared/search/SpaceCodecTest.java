package dev.orchestra.shared.search;

import static dev.orchestra.shared.search.Spaces.cat;
import static dev.orchestra.shared.search.Spaces.dbl;
import static dev.orchestra.shared.search.Spaces.integer;
import static dev.orchestra.shared.search.Spaces.logDbl;
import static dev.orchestra.shared.search.Spaces.logInt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpaceCodecTest {
  private final SpaceCodec codec =
      new SpaceCodec(
          List.of(
              dbl("d", -2, 6),
              logDbl("lr", 1e-4, 1),
              integer("n", 1, 4),
              logInt("width", 1, 1024),
              cat("opt", "adam", "sgd", "rmsprop")));

  @Test
  void encode_everyType_landsInTheUnitCubeWithOneHotCategories() {
    double[] u = codec.encode(Map.of("d", 2.0, "lr", 1e-2, "n", 1L, "width", 1024L, "opt", "sgd"));
    assertThat(codec.dimensions()).isEqualTo(7);
    assertThat(u[0]).isCloseTo(0.5, within(1e-12));
    assertThat(u[1]).isCloseTo(0.5, within(1e-12)); // log10 midway between −4 and 0
    assertThat(u[2]).isCloseTo(0.125, within(1e-12)); // centre of the first of four cells
    assertThat(u[3]).isGreaterThan(0.9).isLessThan(1.0);
    assertThat(new double[] {u[4], u[5], u[6]}).containsExactly(0, 1, 0);
  }

  @Test
  void decode_ofEncode_returnsTheAssignmentWithItsTypes() {
    Map<String, Object> a = Map.of("d", -1.25, "lr", 3e-3, "n", 3L, "width", 37L, "opt", "rmsprop");
    Map<String, Object> back = codec.decode(codec.encode(a));
    assertThat(back)
        .containsEntry("n", 3L)
        .containsEntry("width", 37L)
        .containsEntry("opt", "rmsprop");
    assertThat((Double) back.get("d")).isCloseTo(-1.25, within(1e-12));
    assertThat((Double) back.get("lr")).isCloseTo(3e-3, within(1e-15));
  }

  @Test
  void decode_everyIntegerOwnsAnEqualSlice() {
    int[] counts = new int[5];
    for (int i = 0; i < 4000; i++) {
      double[] u = new double[7];
      u[2] = (i + 0.5) / 4000;
      counts[((Long) codec.decode(u).get("n")).intValue()]++;
    }
    assertThat(counts).containsExactly(0, 1000, 1000, 1000, 1000);
  }

  @Test
  void decode_clampsOutOfCubeAndPicksTheLargestCategory() {
    Map<String, Object> a = codec.decode(new double[] {-1, 2, 1.5, -0.2, 0.1, 0.3, 0.7});
    assertThat(a)
        .containsEntry("d", -2.0)
        .containsEntry("lr", 1.0)
        .containsEntry("n", 4L)
        .containsEntry("width", 1L)
        .containsEntry("opt", "rmsprop");
  }

  @Test
  void snap_roundsToWhatARunCanTake() {
    double[] snapped = codec.snap(new double[] {0.3, 0.3, 0.3, 0.3, 0.2, 0.9, 0.1});
    assertThat(snapped[2]).isCloseTo(0.375, within(1e-12));
    assertThat(new double[] {snapped[4], snapped[5], snapped[6]}).containsExactly(0, 1, 0);
  }
}
