package dev.orchestra.cli.out;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A table printed with aligned columns (two spaces apart); colour codes do not count as width. */
public final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();
  private boolean showHeader = true;

  public Table(String... header) {
    this.header = List.of(header);
  }

  public Table row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(c == null ? "-" : c.toString());
    }
    rows.add(r);
    return this;
  }

  /** A key/value block: no header line. */
  public Table withoutHeader() {
    showHeader = false;
    return this;
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  public void print(PrintWriter out) {
    int n = header.size();
    int[] width = new int[n];
    for (int i = 0; i < n && showHeader; i++) {
      width[i] = Style.visibleLength(header.get(i));
    }
    for (List<String> r : rows) {
      for (int i = 0; i < n && i < r.size(); i++) {
        width[i] = Math.max(width[i], Style.visibleLength(r.get(i)));
      }
    }
    if (showHeader) {
      line(out, header, width);
    }
    for (List<String> r : rows) {
      line(out, r, width);
    }
    out.flush();
  }

  private static void line(PrintWriter out, List<String> cells, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      String c = i < cells.size() ? cells.get(i) : "";
      sb.append(c);
      if (i < width.length - 1) {
        sb.append(" ".repeat(width[i] - Style.visibleLength(c) + 2));
      }
    }
    out.println(sb.toString().stripTrailing());
  }
}
