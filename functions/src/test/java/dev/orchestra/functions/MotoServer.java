package dev.orchestra.functions;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** A moto server on a free port for one test class: started here, stopped in {@link #close}. */
public final class MotoServer implements AutoCloseable {
  private final Process process;
  private final int port;

  private MotoServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static MotoServer start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    java.nio.file.Path launcher = java.nio.file.Files.createTempFile("moto_serialized", ".py");
    try (var in = MotoServer.class.getResourceAsStream("/moto_serialized.py")) {
      java.nio.file.Files.copy(in, launcher, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    launcher.toFile().deleteOnExit();
    ProcessBuilder pb =
        new ProcessBuilder("python3", launcher.toString(), "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("MOTO_PORT", Integer.toString(port));
    // AWS managed policies (AmazonEKSClusterPolicy, ...) exist in every real account.
    pb.environment().put("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
    Process p = pb.start();
    MotoServer server = new MotoServer(p, port);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (!p.isAlive()) {
        throw new IllegalStateException("moto exited with " + p.exitValue());
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection)
                URI.create(server.endpoint() + "/moto-api/").toURL().openConnection();
        c.setConnectTimeout(200);
        if (c.getResponseCode() > 0) {
          return server;
        }
      } catch (IOException notYet) {
        Thread.onSpinWait();
      }
      Thread.sleep(50); // polling with a deadline, not waiting for an outcome
    }
    server.close();
    throw new IllegalStateException("moto did not start within 30 s");
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Configuration pointing the functions at this server. */
  public OrchestraConfig config(Map<String, String> more) {
    Map<String, String> m = new java.util.HashMap<>(more);
    m.put("AWS_ENDPOINT_URL", endpoint());
    m.put("AWS_REGION", "us-east-1");
    m.put("AWS_ACCESS_KEY_ID", "test");
    m.put("AWS_SECRET_ACCESS_KEY", "test");
    return new OrchestraConfig(m);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
