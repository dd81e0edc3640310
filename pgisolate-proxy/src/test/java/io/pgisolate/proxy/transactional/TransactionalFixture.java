package io.pgisolate.proxy.transactional;

import io.pgisolate.cluster.TempCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A temporary cluster with a transactional proxy in front of it, for the tests of this package:
 * {@link #direct} connections go straight to PostgreSQL, {@link #proxied} ones through the proxy.
 */
final class TransactionalFixture implements AutoCloseable {
  final TempCluster pg;
  final TransactionalProxy proxy;

  TransactionalFixture(Duration waitTimeout) {
    pg = TempCluster.builder().start();
    try {
      proxy = TransactionalProxy.builder().backend(pg).waitTimeout(waitTimeout).start();
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  String proxyUrl(String options) {
    return proxy.jdbcUrl() + (options.isEmpty() ? "" : "&" + options);
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
  SharedTransaction begin(String name) {
    return proxy.begin(name);
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
