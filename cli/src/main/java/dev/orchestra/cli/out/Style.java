package dev.orchestra.cli.out;

import java.util.regex.Pattern;

/** Colour for human output: only when stdout is a terminal and NO_COLOR is not set. */
public final class Style {
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
  private final boolean colour;

  public Style(boolean colour) {
    this.colour = colour;
  }

  /** Colour when stdout is a terminal (System.console) and NO_COLOR is unset or empty. */
  public static Style forStdout() {
    String noColor = System.getenv("NO_COLOR");
    return new Style(System.console() != null && (noColor == null || noColor.isEmpty()));
  }

  public static int visibleLength(String s) {
    return ANSI.matcher(s).replaceAll("").length();
  }

  /** A status word coloured by meaning: green done, red failed, yellow in progress. */
  public String status(String status) {
    if (!colour || status == null) {
      return status;
    }
    String code =
        switch (status) {
          case "succeeded" -> "32";
          case "failed", "rejected" -> "31";
          case "running", "pending" -> "33";
          case "stopped" -> "35";
          default -> null;
        };
    return code == null ? status : "\u001B[" + code + "m" + status + "\u001B[0m";
  }

  public String bold(String s) {
    return colour ? "\u001B[1m" + s + "\u001B[0m" : s;
  }

  public String dim(String s) {
    return colour ? "\u001B[2m" + s + "\u001B[0m" : s;
  }
}
