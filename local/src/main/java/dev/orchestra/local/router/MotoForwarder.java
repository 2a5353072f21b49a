package dev.orchestra.local.router;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Forwards a request to moto byte for byte over a plain HTTP/1.1 connection and streams the answer
 * back. A raw socket rather than an HTTP client: the {@code Host} header must reach moto as the
 * caller sent it (moto builds queue URLs and virtual-host bucket names from it, and SigV4 signed
 * it), and the JDK clients refuse to set {@code Host}.
 */
final class MotoForwarder {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "transfer-encoding",
          "content-length",
          "expect",
          "te",
          "trailer",
          "upgrade",
          "proxy-connection",
          "proxy-authorization");

  private final int motoPort;

  MotoForwarder(int motoPort) {
    this.motoPort = motoPort;
  }

  /** Forwards one request; returns moto's status. */
  int forward(HttpExchange exchange, byte[] body) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), motoPort), 5_000);
      socket.setTcpNoDelay(true);
      writeRequest(exchange, body, new BufferedOutputStream(socket.getOutputStream()));
      return readResponse(exchange, new BufferedInputStream(socket.getInputStream()));
    }
  }

  /**
   * Forwards the request and reads moto's whole answer, sending nothing back to the caller; returns
   * moto's status (the call took effect; the caller's answer is decided elsewhere).
   */
  int forwardDiscarding(HttpExchange exchange, byte[] body) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), motoPort), 5_000);
      socket.setTcpNoDelay(true);
      writeRequest(exchange, body, new BufferedOutputStream(socket.getOutputStream()));
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String statusLine = readLine(in);
      while (statusLine.startsWith("HTTP/1.1 100") || statusLine.isEmpty()) {
        if (!statusLine.isEmpty()) {
          while (!readLine(in).isEmpty()) {}
        }
        statusLine = readLine(in);
      }
      String[] parts = statusLine.split(" ", 3);
      int status = parts.length < 2 ? -1 : Integer.parseInt(parts[1]);
      long contentLength = -1;
      boolean chunked = false;
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        String lower = line.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          contentLength = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      // Read the answer by its framing, not to EOF: moto may keep the connection open.
      OutputStream sink = OutputStream.nullOutputStream();
      if (exchange.getRequestMethod().equalsIgnoreCase("HEAD") || status == 204 || status == 304) {
        return status;
      }
      if (chunked) {
        copyChunked(in, sink);
      } else if (contentLength >= 0) {
        copy(in, sink, contentLength);
      } else {
        in.transferTo(sink);
      }
      return status;
    }
  }

  private static void writeRequest(HttpExchange exchange, byte[] body, OutputStream out)
      throws IOException {
    String target = exchange.getRequestURI().getRawPath();
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      target += "?" + query;
    }
    StringBuilder head = new StringBuilder();
    head.append(exchange.getRequestMethod()).append(' ').append(target).append(" HTTP/1.1\r\n");
    for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
      if (HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String v : h.getValue()) {
        head.append(h.getKey()).append(": ").append(v).append("\r\n");
      }
    }
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static int readResponse(HttpExchange exchange, InputStream in) throws IOException {
    String statusLine = readLine(in);
    while (statusLine.startsWith("HTTP/1.1 100") || statusLine.isEmpty()) {
      // A 100 Continue (or stray blank) before the real status: skip its headers.
      if (!statusLine.isEmpty()) {
        while (!readLine(in).isEmpty()) {}
      }
      statusLine = readLine(in);
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2) {
      throw new IOException("moto sent a malformed status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Headers responseHeaders = exchange.getResponseHeaders();
    long contentLength = -1;
    boolean chunked = false;
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("content-length")) {
        contentLength = Long.parseLong(value);
      } else if (lower.equals("transfer-encoding")) {
        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      }
      if (!HOP_BY_HOP.contains(lower)) {
        responseHeaders.add(name, value);
      }
    }
    boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
    if (head || status == 204 || status == 304 || status < 200) {
      if (head && contentLength >= 0) {
        responseHeaders.set("Content-Length", Long.toString(contentLength));
      }
      exchange.sendResponseHeaders(status, -1);
      return status;
    }
    OutputStream out = exchange.getResponseBody();
    if (chunked) {
      exchange.sendResponseHeaders(status, 0);
      copyChunked(in, out);
    } else if (contentLength >= 0) {
      exchange.sendResponseHeaders(status, contentLength == 0 ? -1 : contentLength);
      copy(in, out, contentLength);
    } else {
      exchange.sendResponseHeaders(status, 0);
      in.transferTo(out);
    }
    out.close();
    return status;
  }

  private static void copyChunked(InputStream in, OutputStream out) throws IOException {
    while (true) {
      String sizeLine = readLine(in);
      int semi = sizeLine.indexOf(';');
      long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {} // trailers
        return;
      }
      copy(in, out, size);
      readLine(in); // CRLF after the chunk
    }
  }

  private static void copy(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("moto closed the connection " + left + " bytes early");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        line.write(c);
      }
    }
    if (c < 0 && line.size() == 0) {
      throw new EOFException("moto closed the connection");
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
