package dev.orchestra.functions.cluster;

/** No cluster record of that name: it was never created, or it was destroyed. */
public class UnknownClusterException extends RuntimeException {
  public UnknownClusterException(String name) {
    super("no cluster named " + name + "; `orchestra cluster list` shows the clusters there are");
  }
}
