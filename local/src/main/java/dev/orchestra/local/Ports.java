package dev.orchestra.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers that bind some time after their port is chosen (moto imports for
 * seconds before it listens). A port from {@code bind(0)} comes from the kernel's ephemeral range,
 * where every outgoing connection also takes its local port: on a busy machine one of them can take
 * the chosen port before the server binds it ("Address already in use"). These ports are picked
 * below that range, where no outgoing connection lands.
 */
public final class Ports {
  private static final int LOWEST = 20_000;

  private Ports() {}

  /** A loopback port free now, below the ephemeral range when that range leaves room. */
  public static int free() {
    int ephemeral = ephemeralLow();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (ephemeral - LOWEST >= 1_000) {
      for (int i = 0; i < 64; i++) {
        int port = LOWEST + random.nextInt(ephemeral - LOWEST);
        if (isFree(port)) {
          return port;
        }
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a server could bind {@code port} on loopback now. */
  public static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range (Linux), else the IANA range's 49152. */
  static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 49_152;
    }
  }
}
