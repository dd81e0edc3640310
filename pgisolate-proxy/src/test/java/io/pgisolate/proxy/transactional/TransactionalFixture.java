package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A temporary cluster with a transactional proxy in front of it, for the tests of this package:
 * {@link #direct} connections go straight to PostgreSQL, {@link #proxied} ones through the proxy.
 */
final class TransactionalFixture implements AutoCloseable {
  final TempCluster pg;
  final TransactionalProxy proxy;

  /** Runs blocking calls (a BEGIN TEST that waits), several at once. */
  private final ExecutorService threads = Executors.newCachedThreadPool();

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
      // Bounded: a test an earlier one left open holds the table, and this would wait for ever.
      statement.execute(
          "SET lock_timeout = '20s'; DROP TABLE IF EXISTS shared;"
              + " CREATE TABLE shared (id int PRIMARY KEY)");
    }
  }

  /**
   * Returns once {@code count} BEGIN TESTs wait at the proxy for the open test to end (so a
   * client's BEGIN TEST has arrived, not just been sent); fails after 20 s.
   */
  void awaitTestsWaiting(int count) throws InterruptedException {
    await(proxy::testsWaiting, count, "BEGIN TESTs wait");
  }

  /** Returns once {@code count} clients are connected to the proxy; fails after 20 s. */
  void awaitClients(int count) throws InterruptedException {
    await(proxy::clientsConnected, count, "clients are connected");
  }

  private static void await(IntSupplier value, int expected, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (value.getAsInt() != expected) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "after 20 s " + value.getAsInt() + " " + what + ", not " + expected);
      }
      Thread.sleep(5);
    }
  }

  /**
   * Returns once a session of the cluster waits for a lock; fails after 20 s. In autocommit: a
   * transaction would see the same snapshot of pg_stat_activity every time.
   */
  static void awaitLockWait(Connection watcher) throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Statement statement = watcher.createStatement();
          ResultSet rows =
              statement.executeQuery(
                  "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
        rows.next();
        if (rows.getInt(1) > 0) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        StringBuilder sessions = new StringBuilder();
        try (Statement statement = watcher.createStatement();
            ResultSet rows =
                statement.executeQuery(
                    "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity")) {
          while (rows.next()) {
            sessions
                .append("\n")
                .append(rows.getString(1))
                .append(" ")
                .append(rows.getString(2))
                .append(" ")
                .append(rows.getString(3))
                .append(" ")
                .append(rows.getString(4));
          }
        }
        throw new AssertionError("after 20 s no session waits for the lock:" + sessions);
      }
      Thread.sleep(5);
    }
  }

  /** Runs {@code call} on a thread of its own (a BEGIN TEST that is to wait). */
  <T> CompletableFuture<T> async(Callable<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.call();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        threads);
  }

  /**
   * Runs a client program (pgbench, psql) with this cluster's password; returns what it printed,
   * and fails unless it exits with 0 within 120 s.
   */
  String run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", pg.password());
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    Process process = builder.start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
      assertThat(process.exitValue()).as("%s printed:%n%s", command, output).isZero();
      return output;
    } finally {
      process.destroyForcibly();
    }
  }

  /** pgbench through the proxy, once, with {@code script} in query mode {@code mode}. */
  String pgbench(String mode, Path script) throws IOException, InterruptedException {
    return run(
        List.of(
            "pgbench",
            "-M",
            mode,
            "-t",
            "1",
            "-n",
            "-f",
            script.toString(),
            "-h",
            proxy.host(),
            "-p",
            String.valueOf(proxy.port()),
            "-U",
            pg.user(),
            pg.database()));
  }

  /** The ids in table {@code shared}, in order, as {@code connection} sees them. */
  static List<Integer> ids(Connection connection) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (ResultSet rows =
        connection.createStatement().executeQuery("SELECT id FROM shared ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getInt(1));
      }
    }
    return ids;
  }

  @Override
  public void close() {
    threads.shutdownNow();
    try {
      proxy.close();
    } finally {
      pg.close();
    }
  }
}
