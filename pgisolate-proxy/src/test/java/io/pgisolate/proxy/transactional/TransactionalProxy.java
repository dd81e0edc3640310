package io.pgisolate.proxy.transactional;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.BackendTarget;
import io.pgisolate.proxy.ProxyServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

/**
 * A temporary cluster with a transactional proxy in front of it, for the tests of this package:
 * {@link #direct} connections go straight to PostgreSQL, {@link #proxied} ones through the proxy.
 */
final class TransactionalProxy implements AutoCloseable {
  final TempCluster pg;
  final ProxyServer proxy;

  TransactionalProxy(Duration waitTimeout) {
    pg = TempCluster.builder().start();
    try {
      proxy =
          ProxyServer.builder()
              .sharedBackend(
                  new TransactionalBackend(
                      new BackendTarget(
                          new DomainSocketAddress(
                              pg.socketDirectory().resolve(".s.PGSQL." + pg.port()).toFile()),
                          pg.user(),
                          pg.password(),
                          Map.of("database", pg.database())),
                      waitTimeout,
                      Duration.ofSeconds(10)))
              .start();
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  String proxyUrl(String options) {
    return "jdbc:postgresql://"
        + proxy.host()
        + ":"
        + proxy.port()
        + "/"
        + pg.database()
        + "?user="
        + pg.user()
        + (options.isEmpty() ? "" : "&" + options);
  }

  String directUrl(String options) {
    return pg.jdbcUrl() + (options.isEmpty() ? "" : "&" + options);
  }

  Connection proxied(String options) throws SQLException {
    return DriverManager.getConnection(proxyUrl(options));
  }

  Connection direct(String options) throws SQLException {
    return DriverManager.getConnection(directUrl(options), pg.user(), pg.password());
  }

  /** Opens a test (BEGIN TEST) on its own connection; closing it rolls the test back. */
  OpenTest begin(String name) throws SQLException {
    Connection control = proxied("");
    try (Statement statement = control.createStatement()) {
      statement.execute("BEGIN TEST '" + name + "'");
    }
    return new OpenTest(control, name);
  }

  record OpenTest(Connection control, String name) implements AutoCloseable {
    @Override
    public void close() throws SQLException {
      try (control;
          Statement statement = control.createStatement()) {
        statement.execute("ROLLBACK TEST '" + name + "'");
      }
    }
  }

  @Override
  public void close() {
    try {
      proxy.close();
    } finally {
      pg.close();
    }
  }
}
