package dev.orchestra.shared.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * run.yml {@code run}, in either form SigOpt accepted: a command string run by {@code sh -c}, or a
 * list of arguments run as they are. Exactly one of the two is set.
 *
 * @param script the command string, or null
 * @param args the argument list, or null
 */
public record RunCommand(String script, List<String> args) {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./=:,@%+^-]+");

  public RunCommand {
    if ((script == null) == (args == null)) {
      throw new IllegalArgumentException("exactly one of script and args");
    }
    args = args == null ? null : List.copyOf(args);
  }

  public static RunCommand of(String script) {
    return new RunCommand(script, null);
  }

  public static RunCommand ofArgs(List<String> args) {
    return new RunCommand(null, args);
  }

  /** What to execute: {@code sh -c script}, or the argument list. */
  public List<String> argv() {
    if (script != null) {
      return List.of("sh", "-c", script);
    }
    return args;
  }

  /**
   * One shell command line with the same effect: the script itself, or the arguments each quoted
   * for a POSIX shell, so that spaces, quotes and {@code $} in an argument stay literal.
   */
  public String shellCommand() {
    if (script != null) {
      return script;
    }
    List<String> quoted = new ArrayList<>(args.size());
    for (String a : args) {
      quoted.add(quote(a));
    }
    return String.join(" ", quoted);
  }

  /** POSIX single-quoting: safe words stay bare, anything else goes inside '...'. */
  public static String quote(String arg) {
    if (!arg.isEmpty() && SAFE.matcher(arg).matches()) {
      return arg;
    }
    return "'" + arg.replace("'", "'\\''") + "'";
  }
}
