package dev.orchestra.shared.search;

import static dev.orchestra.shared.search.Spaces.cat;
import static dev.orchestra.shared.search.Spaces.dbl;
import static dev.orchestra.shared.search.Spaces.integer;
import static dev.orchestra.shared.search.Spaces.logDbl;
import static dev.orchestra.shared.search.Spaces.minimize;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomSearcherTest {
  private final SearchSpace space =
      new SearchSpace(
          List.of(
              dbl("d", -1, 1),
              logDbl("lr", 1e-5, 1e-1),
              integer("n", 2, 5),
              cat("opt", "adam", "sgd")),
          List.of(minimize("loss")));

  @Test
  void suggest_sameSeed_sameSuggestions() {
    var a = Searchers.create(SearchType.RANDOM, space, 42).suggest(20, List.of(), List.of());
    var b = Searchers.create(SearchType.RANDOM, space, 42).suggest(20, List.of(), List.of());
    var c = Searchers.create(SearchType.RANDOM, space, 43).suggest(20, List.of(), List.of());
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void snapshot_throughJson_restoresTheIdenticalNextSuggestion() throws Exception {
    Searcher s = Searchers.create(SearchType.RANDOM, space, 7);
    s.suggest(3, List.of(), List.of());
    ObjectMapper json = new ObjectMapper();
    SearcherState state =
        json.readValue(json.writeValueAsString(s.snapshot()), SearcherState.class);
    assertThat(state.suggested()).isEqualTo(3);
    var expected = s.suggest(2, List.of(), List.of());
    var actual = Searchers.restore(state, space).suggest(2, List.of(), List.of());
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void suggest_respectsBoundsTypesAndCoversEveryInteger() {
    var all = Searchers.create(SearchType.RANDOM, space, 1).suggest(2000, List.of(), List.of());
    int[] ints = new int[6];
    int lowDecade = 0;
    for (Map<String, Object> a : all) {
      assertThat(a.get("d")).isInstanceOf(Double.class);
      assertThat((Double) a.get("d")).isBetween(-1.0, 1.0);
      assertThat((Double) a.get("lr")).isBetween(1e-5, 1e-1);
      assertThat(a.get("n")).isInstanceOf(Long.class);
      assertThat(a.get("opt")).isIn("adam", "sgd");
      ints[((Long) a.get("n")).intValue()]++;
      if ((Double) a.get("lr") < 1e-4) {
        lowDecade++;
      }
    }
    for (int n = 2; n <= 5; n++) {
      assertThat(ints[n]).as("count of n=%d", n).isBetween(400, 600);
    }
    // Log-uniform: the lowest of four decades gets about a quarter (uniform would give 0.1%).
    assertThat(lowDecade).isBetween(400, 600);
  }
}
