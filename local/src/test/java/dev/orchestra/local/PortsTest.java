package dev.orchestra.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PortsTest {
  @Test
  void freePort_isBindable_andBelowTheEphemeralRange_whereOutgoingConnectionsTakeTheirPorts()
      throws Exception {
    int low = Ports.ephemeralLow();
    for (int i = 0; i < 20; i++) {
      int port = Ports.free();
      assertThat(port).isBetween(1_024, 65_535);
      if (low - 20_000 >= 1_000) {
        assertThat(port).isLessThan(low);
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
        assertThat(Ports.isFree(port)).as("taken while bound").isFalse();
      }
    }
  }
}
