package dev.orchestra.shared;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ${Name}} placeholders of {@code statemachines/*.asl.json}. One implementation, so the
 * CDK app and the local runtime turn the same template into the same definition.
 */
public final class AslTemplates {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

  private AslTemplates() {}

  /** The placeholder names {@code template} uses, sorted. */
  public static TreeSet<String> placeholders(String template) {
    TreeSet<String> used = new TreeSet<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      used.add(m.group(1));
    }
    return used;
  }

  /**
   * Replaces every placeholder of {@code template} with its value.
   *
   * @param what names the template in the error (e.g. the file)
   * @param fix says where a missing value is given, for the error
   * @throws IllegalArgumentException naming every placeholder without a value
   */
  public static String substitute(
      String what, String template, Map<String, String> values, String fix) {
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
          what + ": no value for placeholder(s) " + missing + "; " + fix);
    }
    return out.toString();
  }
}
