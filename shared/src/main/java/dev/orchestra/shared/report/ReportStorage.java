package dev.orchestra.shared.report;

/** Where an experiment's report lives in the stack's bucket. */
public final class ReportStorage {
  private ReportStorage() {}

  public static final String CONTENT_TYPE = "text/html; charset=utf-8";

  /** {@code reports/<experiment id>/report.html}. */
  public static String key(String experimentId) {
    return "reports/" + experimentId + "/report.html";
  }
}
