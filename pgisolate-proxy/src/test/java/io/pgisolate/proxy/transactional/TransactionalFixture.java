package io.pgisolate.proxy.transactional;

import io.pgisolate.cluster.TempCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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

  /** A fresh, empty table {@code shared (id int PRIMARY KEY)}, committed directly. */
  void emptySharedTable() throws SQLException {
    try (Connection connection = direct("");
        Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS shared; CREATE TABLE shared (id int PRIMARY KEY)");
    }
  }

  /**
   * Returns once {@code count} BEGIN TESTs wait at the proxy for the open test to end (so a
   * client's BEGIN TEST has arrived, not just been sent); fails after 20 s.
   */
  void awaitTestsWaiting(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (proxy.testsWaiting() != count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "after 20 s " + proxy.testsWaiting() + " BEGIN TESTs wait, not " + count);
      }
      Thread.sleep(5);
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
