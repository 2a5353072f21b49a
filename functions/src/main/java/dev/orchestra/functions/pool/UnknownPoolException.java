package dev.orchestra.functions.pool;

/** No pool record of that name: it was never created, or it was destroyed. */
public class UnknownPoolException extends RuntimeException {
  public UnknownPoolException(String name) {
    super("no pool named " + name + "; `orchestra pool list` shows the pools there are");
  }
}
