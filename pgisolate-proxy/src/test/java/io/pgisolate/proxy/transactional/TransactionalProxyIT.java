package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.TempCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The Java API of the shared-transaction mode: {@link TransactionalProxy} in front of a cluster or
 * a server URL, and {@link SharedTransaction} around a test that an "application" (its own JDBC
 * connection, and psql in another process) works in.
 */
class TransactionalProxyIT {
  static TempCluster pg;

  @BeforeAll
  static void start() throws SQLException {
    pg = TempCluster.builder().start();
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)");
      s.execute("INSERT INTO orders VALUES (0, 'committed before the tests')");
    }
  }

  @AfterAll
  static void stop() {
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  @SuppressWarnings("try") // the test is only opened and closed
  void everythingTheApplicationDidIsUndoneAfterTheTest() throws Exception {
    try (TransactionalProxy proxy = TransactionalProxy.start(pg)) {
      try (SharedTransaction test = proxy.begin("OrdersIT#placesOrders");
          Connection app = DriverManager.getConnection(proxy.jdbcUrl())) {
        app.createStatement().execute("INSERT INTO orders VALUES (1, 'from the app')");
        app.setAutoCommit(false);
        app.createStatement().execute("INSERT INTO orders VALUES (2, 'committed by the app')");
        app.commit();
        psql(proxy, "INSERT INTO orders VALUES (3, 'from another process')");

        assertThat(count(app)).isEqualTo(4); // every client sees the test's work
        try (Connection direct = pg.dataSource().getConnection()) {
          assertThat(count(direct)).isEqualTo(1); // none of it is committed
        }
      } // ROLLBACK TEST
      try (Connection after = proxy.connect()) {
        assertThat(count(after)).isEqualTo(1);
      }
    }
  }

  @Test
  void startsInFrontOfAServerUrlAndBeginsTestsByUrl() throws Exception {
    for (String url : new String[] {pg.uri(), pg.jdbcUrl()}) {
      try (TransactionalProxy proxy = TransactionalProxy.start(url)) {
        assertThat(proxy.jdbcUrl())
            .isEqualTo(
                "jdbc:postgresql://127.0.0.1:"
                    + proxy.port()
                    + "/"
                    + pg.database()
                    + "?user=postgres");
        assertThat(proxy.uri()).startsWith("postgresql://postgres@127.0.0.1:" + proxy.port());
        try (SharedTransaction test = SharedTransaction.begin(proxy.uri(), "by URL");
            Connection app = DriverManager.getConnection(proxy.jdbcUrl())) {
          assertThat(test.name()).isEqualTo("by URL");
          app.createStatement().execute("INSERT INTO orders VALUES (10, 'over TCP')");
          assertThat(count(app)).isEqualTo(2);
        }
        try (Connection after = proxy.dataSource().getConnection()) {
          assertThat(count(after)).isEqualTo(1);
        }
      }
    }
  }

  @Test
  @SuppressWarnings("try") // the test is only opened and closed
  void aSecondTestWaitsForTheOpenOneAndFailsWithAHintWhenItStaysOpenTooLong() {
    try (TransactionalProxy proxy =
            TransactionalProxy.builder().backend(pg).waitTimeout(Duration.ofSeconds(1)).start();
        SharedTransaction first = proxy.begin("first")) {
      assertThatThrownBy(() -> proxy.begin("it's second"))
          .isInstanceOf(PgIsolateException.class)
          .hasMessageStartingWith("could not begin test 'it''s second' on the proxy at")
          .hasMessageContaining("timed out after 1000 ms waiting for test 'first' (open for")
          .hasMessageContaining("Hint: a transactional proxy runs one test at a time and the")
          .hasMessageContaining(
              "a SharedTransaction that is not closed, or a test that another client")
          .hasMessageContaining("without ON DISCONNECT ROLLBACK");
    }
  }

  @Test
  void beginTestOnPostgresqlItselfSaysItIsNotATransactionalProxy() {
    assertThatThrownBy(() -> SharedTransaction.begin(pg.jdbcUrl(), "direct"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageContaining("could not begin test 'direct' on the proxy at jdbc:postgresql://")
        .hasMessageContaining("syntax error at or near \"TEST\"")
        .hasMessageContaining("not a transactional proxy")
        .hasMessageContaining("Hint: start one with `pgisolate proxy --mode transactional`")
        .hasMessageNotContaining(pg.password());
  }

  @Test
  void rollingBackATestAnotherClientEndedSaysSo() throws Exception {
    try (TransactionalProxy proxy = TransactionalProxy.start(pg)) {
      SharedTransaction test = proxy.begin("ended elsewhere");
      try (Connection other = proxy.connect()) {
        other.createStatement().execute("ROLLBACK TEST 'ended elsewhere'");
      }
      assertThatThrownBy(test::close)
          .isInstanceOf(PgIsolateException.class)
          .hasMessageContaining("could not roll back test 'ended elsewhere'")
          .hasMessageContaining("no test is open")
          .hasMessageContaining("Hint: another client may have ended the test");
      test.close(); // a second close does nothing
    }
  }

  @Test
  void anUnreachableBackendFailsAtStart() {
    assertThatThrownBy(() -> TransactionalProxy.start("postgres://app:secret@localhost:1/shop"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageStartingWith(
            "could not start a transactional proxy in front of PgServer[app@localhost:1]"
                + " (database shop): could not connect to the backend localhost:1: ")
        .hasMessageNotContaining("\n")
        .hasMessageContaining("Hint: check that PostgreSQL runs there")
        .hasMessageNotContaining("secret");
  }

  /** The shared session ended (terminated, the server restarted): each client is told so. */
  @Test
  void clientsAreToldWhenTheSharedSessionEnds() throws Exception {
    try (TransactionalProxy proxy = TransactionalProxy.start(pg);
        Connection client = DriverManager.getConnection(proxy.jdbcUrl());
        Connection direct = pg.server().connect(pg.database())) {
      endSharedSession(proxy, client, direct);
      assertThatThrownBy(() -> client.createStatement().execute("SELECT 1"))
          .isInstanceOfSatisfying(
              PSQLException.class,
              e -> {
                ServerErrorMessage error = e.getServerErrorMessage();
                assertThat(error.getSQLState()).isEqualTo("08006");
                assertThat(error.getMessage())
                    .isEqualTo(
                        "the transactional proxy's shared session on the backend "
                            + pg.socketDirectory().resolve(".s.PGSQL." + pg.port())
                            + " closed");
                assertThat(error.getHint())
                    .isEqualTo(
                        "the backend was stopped or restarted, or ended the session; a test open"
                            + " in it was rolled back with it: connect again and begin the test"
                            + " again");
              });
      // The next client gets a new session.
      try (Connection next = DriverManager.getConnection(proxy.jdbcUrl())) {
        assertThat(next.createStatement().execute("SELECT 1")).isTrue();
      }
    }
  }

  /**
   * A test lost with the shared session (ended by the server, or by a client in a way the proxy
   * cannot see in its text) is not silently gone: ROLLBACK TEST names it and says what happened,
   * once; the next test begins as usual, and other clients work on.
   */
  @Test
  void rollbackTestOfATestLostWithTheSharedSessionSaysSo() throws Exception {
    try (TransactionalProxy proxy = TransactionalProxy.start(pg);
        Connection owner = DriverManager.getConnection(proxy.jdbcUrl());
        Connection direct = pg.server().connect(pg.database())) {
      owner.createStatement().execute("BEGIN TEST 'lost one'");
      owner.createStatement().execute("INSERT INTO orders VALUES (41)");
      // What a set_config('idle_session_timeout', ...) through a bind parameter would do too.
      endSharedSession(proxy, owner, direct);
      assertThatThrownBy(() -> owner.createStatement().execute("SELECT 1"))
          .isInstanceOfSatisfying(
              PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08006"));
      try (Connection next = DriverManager.getConnection(proxy.jdbcUrl())) {
        assertThat(count(next)).as("the test's work is gone").isEqualTo(1);
        assertThatThrownBy(() -> next.createStatement().execute("ROLLBACK TEST 'lost one'"))
            .isInstanceOfSatisfying(
                PSQLException.class,
                e -> {
                  ServerErrorMessage error = e.getServerErrorMessage();
                  assertThat(error.getSQLState()).isEqualTo("25P01");
                  assertThat(error.getMessage())
                      .isEqualTo(
                          "test 'lost one' was rolled back before ROLLBACK TEST: the"
                              + " transactional proxy's shared session on the backend "
                              + pg.socketDirectory().resolve(".s.PGSQL." + pg.port())
                              + " closed");
                  assertThat(error.getHint())
                      .isEqualTo(
                          "the backend was stopped or restarted, or ended the session (a session"
                              + " timeout, pg_terminate_backend); run the test again");
                });
        assertThatThrownBy(() -> next.createStatement().execute("ROLLBACK TEST"))
            .as("reported once")
            .hasMessageContaining("no test is open");
        next.createStatement().execute("BEGIN TEST 'next one'");
        next.createStatement().execute("INSERT INTO orders VALUES (42)");
        assertThat(count(next)).isEqualTo(2);
        next.createStatement().execute("ROLLBACK TEST 'next one'");
        assertThat(count(next)).isEqualTo(1);
      }
    }
  }

  @Test
  void aTestNeedsAName() {
    try (TransactionalProxy proxy = TransactionalProxy.start(pg)) {
      assertThatThrownBy(() -> proxy.begin(" "))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "a shared-transaction test needs a name (it appears in the server log), was ' '");
    }
  }

  /**
   * Ends the proxy's shared session from {@code direct}, a connection to PostgreSQL, and waits (at
   * most 20 s) until the proxy has noticed and let its clients go: a statement {@code client} sent
   * earlier may meet the server's own FATAL (57P01) instead.
   */
  private static void endSharedSession(
      TransactionalProxy proxy, Connection client, Connection direct) throws Exception {
    ResultSet pid = client.createStatement().executeQuery("SELECT pg_backend_pid()");
    pid.next();
    direct.createStatement().execute("SELECT pg_terminate_backend(" + pid.getInt(1) + ")");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (proxy.clientsConnected() != 0) {
      assertThat(System.nanoTime()).as("the proxy noticed within 20 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  static int count(Connection c) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM orders")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** Runs {@code sql} with psql, another process, through the proxy; what it printed. */
  static String psql(TransactionalProxy proxy, String sql)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", proxy.uri(), "-c", sql)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("psql finished").isTrue();
    assertThat(process.exitValue()).as("psql printed:%n%s", output).isZero();
    return output;
  }
}
