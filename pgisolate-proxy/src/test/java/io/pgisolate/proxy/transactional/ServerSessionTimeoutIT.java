package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server's timeouts that end a session which idles (in a transaction) or whose transaction
 * lasts too long, configured in postgresql.conf or for the role or database, do not end the session
 * every client of the transactional proxy shares, nor the test open in it.
 */
class ServerSessionTimeoutIT {
  private static final String TIMEOUT = "300ms";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "idle_in_transaction_session_timeout",
        "idle_session_timeout",
        "transaction_timeout"
      })
  void aTimeoutInPostgresqlConfDoesNotEndTheSharedSession(String setting) throws Exception {
    try (TempCluster pg = TempCluster.builder().setting(setting, TIMEOUT).start()) {
      sharedSessionOutlivesTheTimeout(pg);
    }
  }

  @Test
  void timeoutsSetForTheRoleAndTheDatabaseDoNotEndTheSharedSession() throws Exception {
    try (TempCluster pg = TempCluster.builder().start()) {
      execute(
          pg,
          "ALTER ROLE "
              + Sql.identifier(pg.user())
              + " SET idle_in_transaction_session_timeout = '"
              + TIMEOUT
              + "'; ALTER DATABASE "
              + Sql.identifier(pg.database())
              + " SET idle_session_timeout = '"
              + TIMEOUT
              + "'");
      sharedSessionOutlivesTheTimeout(pg);
    }
  }

  /**
   * PostgreSQL 15 has no transaction_timeout (17+): the proxy's session still opens, and its
   * idle_session_timeout (14+) still does not end it.
   */
  @Test
  void onPostgresql15TheSharedSessionOpensAndOutlivesItsTimeouts() throws Exception {
    Path bin = Path.of("/usr/lib/postgresql/15/bin");
    assumeTrue(Files.isExecutable(bin.resolve("postgres")), "PostgreSQL 15 is not installed");
    try (TempCluster pg =
        TempCluster.builder()
            .binaries(bin)
            .setting("idle_session_timeout", TIMEOUT)
            .setting("idle_in_transaction_session_timeout", TIMEOUT)
            .start()) {
      sharedSessionOutlivesTheTimeout(pg);
    }
  }

  /**
   * Two clients with different start-up settings take turns (so the proxy replays their settings
   * with RESET ALL), one of them runs RESET ALL itself, and the shared session idles longer than
   * the timeout outside a test, in a test, and after each of those: the test still rolls back
   * everything, on the same server session.
   */
  private static void sharedSessionOutlivesTheTimeout(TempCluster pg) throws Exception {
    execute(pg, "CREATE TABLE shared (id int PRIMARY KEY)");
    try (TransactionalProxy proxy = TransactionalProxy.builder().backend(pg).start();
        Connection a = DriverManager.getConnection(proxy.jdbcUrl() + "&ApplicationName=a");
        Connection b =
            DriverManager.getConnection(
                proxy.jdbcUrl() + "&ApplicationName=b&options=-c%20work_mem%3D2MB")) {
      int sessionPid = backendPid(a);
      idleLongerThanTheTimeout();
      try (SharedTransaction test = proxy.begin("outlives the timeout")) {
        a.createStatement().execute("INSERT INTO shared VALUES (1)");
        idleLongerThanTheTimeout();
        b.createStatement().execute("INSERT INTO shared VALUES (2)");
        idleLongerThanTheTimeout();
        a.createStatement().execute("RESET ALL");
        idleLongerThanTheTimeout();
        assertThat(TransactionalFixture.ids(b)).containsExactly(1, 2);
        idleLongerThanTheTimeout();
        assertThat(TransactionalFixture.ids(a)).containsExactly(1, 2);
        idleLongerThanTheTimeout();
      }
      assertThat(TransactionalFixture.ids(b)).isEmpty();
      idleLongerThanTheTimeout();
      assertThat(backendPid(a)).as("the shared session's server process").isEqualTo(sessionPid);
    }
    try (Connection direct = direct(pg)) {
      assertThat(TransactionalFixture.ids(direct)).as("committed by nobody").isEmpty();
    }
  }

  /** What the test is about: not a synchronisation, the time the server's timeout waits for. */
  private static void idleLongerThanTheTimeout() throws InterruptedException {
    Thread.sleep(700);
  }

  private static int backendPid(Connection connection) throws SQLException {
    try (ResultSet row = connection.createStatement().executeQuery("SELECT pg_backend_pid()")) {
      row.next();
      return row.getInt(1);
    }
  }

  private static void execute(TempCluster pg, String sql) throws SQLException {
    try (Connection direct = direct(pg);
        Statement statement = direct.createStatement()) {
      statement.execute(sql);
    }
  }

  /** A new direct connection each time: the cluster's timeouts would end one kept idle. */
  private static Connection direct(TempCluster pg) throws SQLException {
    return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
  }
}
