package dev.orchestra.shared.config;

import java.util.Collection;

/** Small helpers for names in messages: nearest match and shortening. */
final class Names {
  private Names() {}

  /** The known name closest to {@code name}, if it is close enough to be a likely typo. */
  static String nearest(String name, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    for (String k : known) {
      String known1 = k.toLowerCase(java.util.Locale.ROOT);
      int d = distance(lower, known1, 64);
      // A shortened or lengthened name (max → maximum) is a likely slip too.
      if (Math.min(lower.length(), known1.length()) >= 3
          && (lower.startsWith(known1) || known1.startsWith(lower))) {
        d = Math.min(d, 1);
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    int allowed = Math.max(2, name.length() / 3);
    return best != null && bestDistance <= allowed ? best : null;
  }

  /** Levenshtein distance, giving up (returning {@code cap + 1}) on long inputs. */
  static int distance(String a, String b, int cap) {
    if (a.length() > cap || b.length() > cap) {
      return cap + 1;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** A value cut to a length that fits in one line of output. */
  static String shorten(String s) {
    String oneLine = s.replaceAll("[\\r\\n\\t]", " ");
    return oneLine.length() > 60 ? oneLine.substring(0, 57) + "..." : oneLine;
  }
}
