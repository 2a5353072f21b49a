package dev.orchestra.shared.search;

import java.util.List;
import java.util.Map;

/**
 * A searcher: observations in, suggestions out. Its whole state, the random generator included,
 * comes out of {@link #snapshot()} and goes back in through {@link Searchers#restore}, so a
 * restarted Lambda suggests exactly what the lost one would have.
 *
 * <p>Not thread-safe: one searcher serves one Suggest invocation.
 */
public interface Searcher {

  /**
   * Suggests up to {@code count} new assignments (fewer, possibly none, when the space is
   * exhausted, as a grid can be). Advances the searcher's state.
   *
   * @param completed every finished run (succeeded or failed), in run order
   * @param pending assignments of runs in flight, which a suggestion must differ from
   */
  List<Map<String, Object>> suggest(
      int count, List<Observation> completed, List<Map<String, Object>> pending);

  /** The complete state as JSON-serializable data. */
  SearcherState snapshot();
}
