package dev.orchestra.functions.kubernetes;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** A moto server on a free loopback port, for tests; started and stopped by the test. */
final class MotoServer implements AutoCloseable {
  private final Process process;
  private final int port;

  private MotoServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static MotoServer start(Path log) throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process =
        new ProcessBuilder("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    MotoServer server = new MotoServer(process, port);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!server.ready()) {
      if (!process.isAlive() || Instant.now().isAfter(deadline)) {
        server.close();
        throw new IllegalStateException("moto did not start; see " + log);
      }
      Thread.sleep(100); // polling for readiness, bounded by the deadline
    }
    return server;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  private boolean ready() {
    try {
      HttpURLConnection c =
          (HttpURLConnection) endpoint().resolve("/moto-api/").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      return c.getResponseCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
