package io.pgisolate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackendTransportTest {
  @Test
  void tcpUnlessTold() {
    assertThat(BackendTransport.fromOptions(new String[] {"--seconds", "1"}))
        .isEqualTo(BackendTransport.TCP);
    assertThat(BackendTransport.fromOptions(new String[] {"--backend-transport", "unix"}))
        .isEqualTo(BackendTransport.UNIX);
  }

  @Test
  void anUnknownTransportIsNamedInTheError() {
    assertThatThrownBy(
            () -> BackendTransport.fromOptions(new String[] {"--backend-transport", "udp"}))
        .isInstanceOf(Main.UsageException.class)
        .hasMessage("--backend-transport must be one of tcp, unix, but is 'udp'.");
  }
}
