package dev.orchestra.functions.carrier;

import dev.orchestra.shared.run.RunContract;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The end of a run's output as the run record keeps it: the last {@link RunContract#TAIL_LINES}
 * lines, and at most {@link RunContract#TAIL_BYTES} bytes of UTF-8.
 */
public final class OutputTail {
  private OutputTail() {}

  /** The tail of a log file; an absent file has an empty tail. */
  public static String of(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      int take = (int) Math.min(length, RunContract.TAIL_BYTES);
      byte[] bytes = new byte[take];
      file.seek(length - take);
      file.readFully(bytes);
      return of(bytes, take < length);
    }
  }

  /** The tail of the given text. */
  public static String of(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    boolean cut = bytes.length > RunContract.TAIL_BYTES;
    return of(
        cut
            ? Arrays.copyOfRange(bytes, bytes.length - RunContract.TAIL_BYTES, bytes.length)
            : bytes,
        cut);
  }

  /** Appends a note from the carrier, keeping the whole within the byte limit. */
  public static String withNote(String tail, String note) {
    String joined = tail.isEmpty() || tail.endsWith("\n") ? tail + note : tail + "\n" + note;
    return of(joined);
  }

  private static String of(byte[] bytes, boolean cutAtStart) {
    int start = 0;
    if (cutAtStart) {
      // Skip UTF-8 continuation bytes of a character cut in half.
      while (start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
        start++;
      }
    }
    String text = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
    List<String> lines = text.lines().toList();
    boolean trailingNewline = text.endsWith("\n");
    if (lines.size() <= RunContract.TAIL_LINES) {
      return text;
    }
    String kept =
        String.join("\n", lines.subList(lines.size() - RunContract.TAIL_LINES, lines.size()));
    return trailingNewline ? kept + "\n" : kept;
  }
}
