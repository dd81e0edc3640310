package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.auth.ClientAuthentication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** pgjdbc through the proxy, against a real PostgreSQL that wants SCRAM from the proxy. */
class ProxyClientsIT {
  static TempCluster pg;
  static ProxyServer proxy;

  @BeforeAll
  static void start() {
    pg = TempCluster.builder().start();
    proxy =
        ProxyServer.builder()
            .backend(pg.host(), pg.port())
            .backendUser(pg.user())
            .backendPassword(pg.password())
            .clientAuthentication(ClientAuthentication.scramSha256(Map.of("app", "app-secret")))
            .start();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  static Connection connect(String... extra) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "app");
    properties.setProperty("password", "app-secret");
    for (int i = 0; i < extra.length; i += 2) {
      properties.setProperty(extra[i], extra[i + 1]);
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + pg.database(), properties);
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "extendedForPrepared", "extendedCacheEverything"})
  void everyQueryMode(String mode) throws SQLException {
    try (Connection c = connect("preferQueryMode", mode, "prepareThreshold", "1");
        Statement st = c.createStatement()) {
      String table = "t_" + mode.toLowerCase();
      st.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)");
      c.setAutoCommit(false);
      try (PreparedStatement insert =
          c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
        for (int i = 0; i < 100; i++) {
          insert.setInt(1, i);
          insert.setString(2, "row " + i);
          insert.addBatch();
        }
        insert.executeBatch();
      }
      c.commit();
      try (PreparedStatement select =
          c.prepareStatement("SELECT count(*), max(id) FROM " + table + " WHERE id < ?")) {
        for (int i = 0; i < 5; i++) {
          select.setInt(1, 50);
          try (ResultSet rs = select.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(50);
            assertThat(rs.getInt(2)).isEqualTo(49);
          }
        }
      }
      assertThatThrownBy(() -> st.execute("SELECT * FROM missing_table"))
          .hasMessageContaining("relation \"missing_table\" does not exist");
      c.rollback();
      try (ResultSet rs = st.executeQuery("SELECT current_user, current_database()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(pg.user());
        assertThat(rs.getString(2)).isEqualTo(pg.database());
      }
    }
  }

  @Test
  void messagesLargerThanOneRead() throws SQLException {
    try (Connection c = connect()) {
      assertLargeMessagesGoBothWays(c);
    }
  }

  /** Sends a 3 MiB parameter and reads it back, with a 2 MB column. */
  static void assertLargeMessagesGoBothWays(Connection c) throws SQLException {
    String big = "x".repeat(3 * 1024 * 1024);
    try (PreparedStatement ps = c.prepareStatement("SELECT ?::text || 'y', repeat('z', 2000000)")) {
      ps.setString(1, big);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getString(1)).hasSize(big.length() + 1).endsWith("xy");
        assertThat(rs.getString(2)).hasSize(2_000_000);
      }
    }
  }

  @Test
  void listenNotify() throws SQLException {
    try (Connection listener = connect();
        Connection notifier = connect();
        Statement ls = listener.createStatement();
        Statement ns = notifier.createStatement()) {
      ls.execute("LISTEN jobs");
      ns.execute("NOTIFY jobs, 'hello'");
      PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(10_000);
      assertThat(notifications).hasSize(1);
      assertThat(notifications[0].getName()).isEqualTo("jobs");
      assertThat(notifications[0].getParameter()).isEqualTo("hello");
    }
  }

  @Test
  void queryTimeoutCancelsThroughTheProxy() throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.setQueryTimeout(1);
      long start = System.nanoTime();
      assertThatThrownBy(() -> st.execute("SELECT pg_sleep(30)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"))
          .hasMessageContaining("canceling statement due to user request");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      // The session survives the cancel.
      try (ResultSet rs = st.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @Test
  void wrongPasswordIsRefusedByTheProxy() {
    assertThatThrownBy(() -> connect("password", "wrong").close())
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"))
        .hasMessageContaining("password authentication failed for user \"app\"");
    assertThatThrownBy(() -> connect("user", "nobody").close())
        .hasMessageContaining("password authentication failed for user \"nobody\"");
  }

  @Test
  void missingDatabaseIsReportedAsPostgresSaysIt() {
    assertThatThrownBy(
            () ->
                DriverManager.getConnection(
                        "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/nope",
                        "app",
                        "app-secret")
                    .close())
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("3D000"))
        .hasMessageContaining("database \"nope\" does not exist");
  }

  @Test
  void sslIsDeclinedAndTheClientGoesOnInTheClear() throws SQLException {
    try (Connection c = connect("sslmode", "prefer", "gssEncMode", "prefer");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT 42")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
    assertThatThrownBy(() -> connect("sslmode", "require").close())
        .hasMessageContaining("The server does not support SSL");
  }

  @Test
  void md5ClientAuthentication() throws SQLException {
    try (ProxyServer md5 =
            ProxyServer.builder()
                .backend(pg.host(), pg.port())
                .backendUser(pg.user())
                .backendPassword(pg.password())
                .clientAuthentication(ClientAuthentication.md5(Map.of("m", "m-secret")))
                .start();
        Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + md5.port() + "/" + pg.database(),
                "m",
                "m-secret");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT 1")) {
      assertThat(rs.next()).isTrue();
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(
                          "jdbc:postgresql://127.0.0.1:" + md5.port() + "/" + pg.database(),
                          "m",
                          "bad")
                      .close())
          .hasMessageContaining("password authentication failed for user \"m\"");
    }
  }

  @Test
  void cancelKeysAreReleasedWithTheirConnections() throws Exception {
    try (Connection c = connect()) {
      assertThat(proxy.activeCancelKeys()).isPositive();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (proxy.activeCancelKeys() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(proxy.activeCancelKeys()).isZero();
  }
}
