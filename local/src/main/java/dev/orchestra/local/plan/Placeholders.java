package dev.orchestra.local.plan;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Replaces {@code ${Name}} placeholders in ASL templates (the same convention as the CDK app). */
public final class Placeholders {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

  private Placeholders() {}

  /**
   * @throws IllegalArgumentException naming every placeholder that has no value
   */
  public static String substitute(String what, String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    TreeSet<String> missing = new TreeSet<>();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        missing.add(m.group(1));
        value = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          what
              + ": no value for placeholder(s) "
              + missing
              + "; add them to the resource plan's substitutions");
    }
    return out.toString();
  }
}
