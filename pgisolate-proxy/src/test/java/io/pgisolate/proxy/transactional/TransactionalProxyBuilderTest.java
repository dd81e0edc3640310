package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad settings fail at once, naming the option. */
class TransactionalProxyBuilderTest {

  @Test
  void startWithoutABackendSaysWhatToSet() {
    assertThatThrownBy(() -> TransactionalProxy.builder().start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no backend: set backend(cluster), backend(server) or backend(url)");
  }

  @Test
  void badValuesNameTheOption() {
    TransactionalProxy.Builder builder = TransactionalProxy.builder();
    assertThatThrownBy(() -> builder.waitTimeout(Duration.ZERO))
        .hasMessage("waitTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> builder.connectTimeout(Duration.ofSeconds(-1)))
        .hasMessage("connectTimeout must be positive and below 24 days, was PT-1S");
    assertThatThrownBy(() -> builder.port(70000))
        .hasMessage("port must be between 0 and 65535, was 70000");
    assertThatThrownBy(() -> builder.database(" "))
        .hasMessage("database must not be blank, was ' '");
    assertThatThrownBy(() -> builder.backend("mysql://localhost/x"))
        .hasMessageContaining("invalid server URL 'mysql://localhost/x'");
  }
}
