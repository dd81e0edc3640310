package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.ProxyServer;
import io.pgisolate.proxy.transactional.TransactionalProxy;
import java.nio.file.Path;
import java.util.List;

/** How a benchmark's proxies and pgbouncer reach PostgreSQL: {@code --backend-transport}. */
enum BackendTransport {
  TCP("TCP"),
  UNIX("its UNIX socket");

  private final String description;

  BackendTransport(String description) {
    this.description = description;
  }

  /** The {@code --backend-transport tcp|unix} option; tcp when it is not given. */
  static BackendTransport fromOptions(String[] args) {
    return Main.choiceOption(args, "--backend-transport", List.of("tcp", "unix")).equals("tcp")
        ? TCP
        : UNIX;
  }

  /** "TCP" or "its UNIX socket", for the benchmark's header. */
  String description() {
    return description;
  }

  /** The host as libpq (and pgbouncer) take it: a TCP host, or the socket's directory. */
  String libpqHost(TempCluster pg) {
    return this == TCP ? pg.host() : pg.socketDirectory().toString();
  }

  /** A pass-through proxy (the proxy's plain mode) in front of {@code pg}, as its superuser. */
  ProxyServer.Builder plainProxy(TempCluster pg) {
    ProxyServer.Builder builder =
        ProxyServer.builder().backendUser(pg.user()).backendPassword(pg.password());
    return this == TCP
        ? builder.backend(pg.host(), pg.port())
        : builder.backendSocket(socketFile(pg));
  }

  /** A transactional proxy (shared-transaction mode) in front of {@code pg}'s database. */
  TransactionalProxy.Builder transactionalProxy(TempCluster pg) {
    TransactionalProxy.Builder builder = TransactionalProxy.builder();
    return this == TCP ? builder.backend(pg.server()).database(pg.database()) : builder.backend(pg);
  }

  private static Path socketFile(TempCluster pg) {
    return pg.socketDirectory().resolve(".s.PGSQL." + pg.port());
  }
}
