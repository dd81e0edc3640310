package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ProxyServerBuilderTest {

  @Test
  void defaults() {
    ProxySettings settings = ProxyServer.builder().backend("db", 5432).backendUser("u").build();
    assertThat(settings.listenAddress().getHostString()).isEqualTo("127.0.0.1");
    assertThat(settings.listenAddress().getPort()).isZero();
    assertThat(settings.unixSocketDirectory()).isEmpty();
    assertThat(settings.backendSelector()).isInstanceOf(FixedBackend.class);
    assertThat(settings.spinBeforeSleep()).isEqualTo(Duration.ofNanos(50_000));
  }

  @Test
  void aBackendIsRequired() {
    assertThatThrownBy(() -> ProxyServer.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "no backend: set backend(host, port), backendSocket(file) or backendSelector(...)");
  }

  @Test
  void aBackendUserIsRequired() {
    assertThatThrownBy(() -> ProxyServer.builder().backend("db", 5432).build())
        .hasMessage("backendUser is not set: the proxy needs a user to log in to PostgreSQL as");
  }

  @Test
  void selectorAndFixedBackendExcludeEachOther() {
    assertThatThrownBy(
            () ->
                ProxyServer.builder()
                    .backend("db", 5432)
                    .backendSelector(client -> new CompletableFuture<>())
                    .build())
        .hasMessage(
            "backendSelector replaces backend, backendUser and backendPassword: set one or the"
                + " other");
  }

  @Test
  void invalidValuesNameTheOption() {
    assertThatThrownBy(() -> ProxyServer.builder().port(70000))
        .hasMessage("port must be between 0 and 65535, was 70000");
    assertThatThrownBy(() -> ProxyServer.builder().maxMessageLength(4))
        .hasMessage("maxMessageLength must be at least 5, was 4");
    assertThatThrownBy(() -> ProxyServer.builder().connectTimeout(Duration.ZERO))
        .hasMessage("connectTimeout must be positive and below 24 days, was PT0S");
    assertThatThrownBy(() -> ProxyServer.builder().eventLoopThreads(0))
        .hasMessage("eventLoopThreads must be at least 1, was 0");
    assertThatThrownBy(() -> ProxyServer.builder().spinBeforeSleep(Duration.ofNanos(-1)))
        .hasMessage("spinBeforeSleep must be between 0 and 10 ms, was PT-0.000000001S");
    assertThatThrownBy(() -> ProxyServer.builder().spinBeforeSleep(Duration.ofMillis(11)))
        .hasMessage("spinBeforeSleep must be between 0 and 10 ms, was PT0.011S");
  }

  @Test
  void oneEventLoopPerFourCpusAtLeastOne() {
    assertThat(ProxyServer.Builder.defaultEventLoopThreads(1)).isEqualTo(1);
    assertThat(ProxyServer.Builder.defaultEventLoopThreads(2)).isEqualTo(1);
    assertThat(ProxyServer.Builder.defaultEventLoopThreads(8)).isEqualTo(2);
    assertThat(ProxyServer.Builder.defaultEventLoopThreads(16)).isEqualTo(4);
  }

  @Test
  void aPortInUseIsReported() {
    try (ProxyServer first = ProxyServer.builder().backend("db", 1).backendUser("u").start()) {
      assertThatThrownBy(
              () ->
                  ProxyServer.builder()
                      .port(first.port())
                      .backend("db", 1)
                      .backendUser("u")
                      .start())
          .isInstanceOf(io.pgisolate.PgIsolateException.class)
          .hasMessage(
              "the proxy could not listen on 127.0.0.1:"
                  + first.port()
                  + ": the address is already in use. Hint: choose another port, or leave the"
                  + " port unset to get a free one.");
    }
  }
}
