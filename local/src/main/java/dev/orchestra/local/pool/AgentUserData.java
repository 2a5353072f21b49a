package dev.orchestra.local.pool;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Reads an instance's user data as cloud-init would find it ({@code PoolAgent.userData}: base64 on
 * the wire, gzip inside) and takes the agent's settings from the {@code agent.env} here-document:
 * the {@code export NAME='value'} lines the agent sources. The local agent runs from these, so what
 * the scaling tick launched is exactly what the local machines run.
 */
public final class AgentUserData {
  static final String SETTINGS_FILE = "/etc/orchestra/agent.env\" <<'";

  private AgentUserData() {}

  /**
   * The settings in the user data (DescribeInstanceAttribute's base64 value); empty when it is not
   * a pool agent's user data (none, not gzip, no agent.env).
   */
  public static Optional<Map<String, String>> settings(String base64UserData) {
    if (base64UserData == null || base64UserData.isBlank()) {
      return Optional.empty();
    }
    byte[] raw;
    try {
      raw = Base64.getMimeDecoder().decode(base64UserData);
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
    return script(raw).flatMap(AgentUserData::fromScript);
  }

  /** The script: gunzipped when gzip (as cloud-init does), else the bytes as text. */
  static Optional<String> script(byte[] raw) {
    if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException corrupt) {
        return Optional.empty();
      }
    }
    return Optional.of(new String(raw, StandardCharsets.UTF_8));
  }

  /**
   * The {@code export NAME=WORD} settings of the agent.env here-document; a single-quoted word may
   * span lines (the training wrapper does).
   */
  static Optional<Map<String, String>> fromScript(String script) {
    String[] lines = script.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int at = lines[i].indexOf(SETTINGS_FILE);
      if (!lines[i].startsWith("cat >") || at < 0) {
        continue;
      }
      String rest = lines[i].substring(at + SETTINGS_FILE.length());
      String end = rest.endsWith("'") ? rest.substring(0, rest.length() - 1) : rest;
      StringBuilder body = new StringBuilder();
      for (int j = i + 1; j < lines.length && !lines[j].equals(end); j++) {
        body.append(lines[j]).append('\n');
      }
      return Optional.of(exports(body.toString()));
    }
    return Optional.empty();
  }

  private static Map<String, String> exports(String body) {
    Map<String, String> settings = new LinkedHashMap<>();
    int i = 0;
    while (i < body.length()) {
      int lineEnd = body.indexOf('\n', i);
      if (!body.startsWith("export ", i)) {
        i = lineEnd < 0 ? body.length() : lineEnd + 1;
        continue;
      }
      int eq = body.indexOf('=', i);
      String name = body.substring(i + "export ".length(), eq);
      int wordEnd = wordEnd(body, eq + 1);
      settings.put(name, unquote(body.substring(eq + 1, wordEnd)));
      i = wordEnd + 1;
    }
    return settings;
  }

  /** Where the sh word starting at {@code from} ends: the first unquoted blank or line break. */
  private static int wordEnd(String s, int from) {
    int i = from;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\'') {
        int close = s.indexOf('\'', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("unterminated quote after " + s.substring(0, from));
        }
        i = close + 1;
      } else if (c == '\\' && i + 1 < s.length()) {
        i += 2;
      } else if (c == '\n' || c == ' ' || c == '\t') {
        return i;
      } else {
        i++;
      }
    }
    return i;
  }

  /** A POSIX sh word of single-quoted parts and {@code \'} escapes, as PoolAgent writes them. */
  static String unquote(String word) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < word.length()) {
      char c = word.charAt(i);
      if (c == '\'') {
        int close = word.indexOf('\'', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("unterminated quote in " + word);
        }
        out.append(word, i + 1, close);
        i = close + 1;
      } else if (c == '\\' && i + 1 < word.length()) {
        out.append(word.charAt(i + 1));
        i += 2;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
