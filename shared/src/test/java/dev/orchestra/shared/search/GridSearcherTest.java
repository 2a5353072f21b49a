package dev.orchestra.shared.search;

import static dev.orchestra.shared.search.Spaces.cat;
import static dev.orchestra.shared.search.Spaces.integer;
import static dev.orchestra.shared.search.Spaces.minimize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GridSearcherTest {
  private final SearchSpace space =
      new SearchSpace(
          List.of(
              new Parameter(
                  "lr", ParameterType.DOUBLE, 1e-4, 1.0, true, List.of(), List.of(0.1, 0.01)),
              integer("layers", 1, 3),
              cat("opt", "adam", "sgd")),
          List.of(minimize("loss")));

  @Test
  void suggest_walksTheProductFirstParameterSlowest() {
    var all = Searchers.create(SearchType.GRID, space, 0).suggest(100, List.of(), List.of());
    assertThat(all).hasSize(12);
    assertThat(all.get(0)).isEqualTo(Map.of("lr", 0.1, "layers", 1L, "opt", "adam"));
    assertThat(all.get(1)).isEqualTo(Map.of("lr", 0.1, "layers", 1L, "opt", "sgd"));
    assertThat(all.get(2)).isEqualTo(Map.of("lr", 0.1, "layers", 2L, "opt", "adam"));
    assertThat(all.get(6)).isEqualTo(Map.of("lr", 0.01, "layers", 1L, "opt", "adam"));
    assertThat(all.get(11)).isEqualTo(Map.of("lr", 0.01, "layers", 3L, "opt", "sgd"));
    assertThat(all).doesNotHaveDuplicates();
  }

  @Test
  void suggest_whenExhausted_returnsFewerThenNothing() {
    Searcher s = Searchers.create(SearchType.GRID, space, 0);
    assertThat(s.suggest(10, List.of(), List.of())).hasSize(10);
    assertThat(s.suggest(5, List.of(), List.of())).hasSize(2);
    assertThat(s.suggest(1, List.of(), List.of())).isEmpty();
  }

  @Test
  void suggest_skipsPendingAndCompletedPoints() {
    Map<String, Object> first = Map.of("lr", 0.1, "layers", 1L, "opt", "adam");
    Map<String, Object> second = Map.of("lr", 0.1, "layers", 1L, "opt", "sgd");
    var got =
        Searchers.create(SearchType.GRID, space, 0)
            .suggest(
                1, List.of(new Observation(first, Map.of("loss", 1.0), false)), List.of(second));
    assertThat(got).containsExactly(Map.of("lr", 0.1, "layers", 2L, "opt", "adam"));
  }

  @Test
  void snapshot_restore_continuesWhereItStopped() {
    Searcher s = Searchers.create(SearchType.GRID, space, 0);
    s.suggest(5, List.of(), List.of());
    SearcherState state = s.snapshot();
    assertThat(state.suggested()).isEqualTo(5);
    assertThat(Searchers.restore(state, space).suggest(3, List.of(), List.of()))
        .isEqualTo(s.suggest(3, List.of(), List.of()));
  }

  @Test
  void size_isTheProductAndADoubleWithoutGridIsRefused() {
    assertThat(new GridSearcher(space, 0, 0, 0).size()).isEqualTo(12);
    SearchSpace bad = new SearchSpace(List.of(Spaces.dbl("x", 0, 1)), List.of(minimize("loss")));
    assertThatThrownBy(() -> Searchers.create(SearchType.GRID, bad, 0))
        .hasMessageContaining("x is a double without grid values");
  }
}
