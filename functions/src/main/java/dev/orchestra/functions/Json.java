package dev.orchestra.functions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one JSON mapper of the functions, configured once. */
public final class Json {
  private Json() {}

  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * Builds the mapper's readers and writers for what every invocation reads and writes (a JSON tree
   * in, a map out), for a function's init to do ahead of its first invocation.
   */
  public static void warm() {
    try {
      MAPPER.readTree("{\"warm\":[1,\"a\",true,null,{}]}");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the JSON mapper cannot read its own warm-up document", e);
    }
    write(Map.of("warm", java.util.List.of(1, "a", true)));
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize " + value.getClass().getName(), e);
    }
  }

  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON for " + type.getSimpleName(), e);
    }
  }

  /** A JSON array of anything; null or blank gives null. */
  public static java.util.List<Object> readList(String json) {
    if (json == null || json.isBlank()) {
      return null;
    }
    try {
      return MAPPER.readValue(json, new TypeReference<java.util.List<Object>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON array", e);
    }
  }

  /** A JSON object as an ordered map; null or blank gives null. */
  public static Map<String, Object> readMap(String json) {
    if (json == null || json.isBlank()) {
      return null;
    }
    try {
      return MAPPER.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON object", e);
    }
  }
}
