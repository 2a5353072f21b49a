package dev.orchestra.shared.search;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A searcher's complete, JSON-serializable state.
 *
 * @param type which searcher
 * @param seed the experiment's seed
 * @param suggested how many suggestions were handed out so far
 * @param data the searcher's own state (random generator bytes, design points, ...)
 */
public record SearcherState(SearchType type, long seed, long suggested, JsonNode data) {}
