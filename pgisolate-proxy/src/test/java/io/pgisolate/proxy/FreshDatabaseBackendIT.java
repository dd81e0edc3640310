package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.Template;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fresh mode against a real PostgreSQL: pgjdbc and psql through the proxy, each connection in a
 * clone of a template with one table, reached through the cluster's UNIX socket.
 */
class FreshDatabaseBackendIT {
  static TempCluster pg;
  static Template template;
  static PgServer server;

  @BeforeAll
  static void start() {
    pg = TempCluster.builder().start();
    server = pg.server();
    template = FreshProxy.greetingTemplate(pg, "fresh-it");
  }

  @AfterAll
  static void stop() {
    if (pg != null) {
      pg.close();
    }
  }

  private static FreshProxy start(String prefix, int ready, boolean single, boolean persist) {
    return FreshProxy.start(
        pg,
        template,
        ClonePool.Settings.defaults().withPrefix(prefix).withReady(ready),
        single,
        persist);
  }

  @Test
  void eachConnectionHasItsOwnCloneWithTheTemplatesSchema() throws Exception {
    try (FreshProxy f = start("pgi_fa", 2, false, false);
        Connection a = f.connect("app");
        Connection b = f.connect("app")) {
      String dbA = scalar(a, "SELECT current_database()");
      String dbB = scalar(b, "SELECT current_database()");
      assertThat(dbA).startsWith("pgi_fa_").isNotEqualTo(dbB);
      assertThat(dbB).startsWith("pgi_fa_");
      assertThat(scalar(a, "SELECT text FROM greeting WHERE id = 1")).isEqualTo("hello");
      assertThat(scalar(b, "SELECT text FROM greeting WHERE id = 1")).isEqualTo("hello");

      try (Statement st = a.createStatement()) {
        st.execute("CREATE TABLE only_in_a (id int)");
      }
      assertThat(scalar(a, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"))
          .isEqualTo("1");
      assertThat(scalar(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"))
          .isEqualTo("0");
      assertThat(f.backend().clonesInUse()).isEqualTo(2);

      a.close();
      awaitTrue(() -> !databaseExists(dbA), "clone " + dbA + " dropped after its client left");
      assertThat(databaseExists(dbB)).isTrue();
      b.close();
      awaitTrue(() -> !databaseExists(dbB), "clone " + dbB + " dropped after its client left");
      assertThat(f.backend().clonesInUse()).isZero();
    }
  }

  /**
   * What the proxy keeps open itself, the clone pool's sessions, is not ended by a server's
   * idle_session_timeout (or is replaced when it is): after the proxy idled past it, clones are
   * still handed out and dropped.
   */
  @Test
  void aServersIdleSessionTimeoutDoesNotStopTheProxyHandingOutAndDroppingClones() throws Exception {
    try (TempCluster strict =
            TempCluster.builder().setting("idle_session_timeout", "300ms").start();
        FreshProxy f =
            FreshProxy.start(
                strict,
                FreshProxy.greetingTemplate(strict, "fresh-idle"),
                ClonePool.Settings.defaults().withPrefix("pgi_fi").withReady(1),
                false,
                false)) {
      for (int i = 0; i < 2; i++) {
        Thread.sleep(700); // the scenario: the proxy's own sessions idle past the timeout
        String database;
        try (Connection c = f.connect("app")) {
          database = scalar(c, "SELECT current_database()");
          assertThat(scalar(c, "SELECT text FROM greeting WHERE id = 1")).isEqualTo("hello");
        }
        awaitTrue(
            () -> !databaseExists(strict.server(), database),
            "clone " + database + " dropped after its client left");
      }
    }
  }

  @Test
  void theClientsDatabaseNameDoesNotMatter() throws Exception {
    try (FreshProxy f = start("pgi_fn", 1, false, false);
        Connection c = f.connect("no_such_database")) {
      assertThat(scalar(c, "SELECT current_database()")).startsWith("pgi_fn_");
      assertThat(scalar(c, "SELECT current_user")).isEqualTo(pg.user());
    }
  }

  @Test
  void singleModeSharesOneCloneUntilTheProxyCloses() throws Exception {
    String database;
    try (FreshProxy f = start("pgi_fs", 1, true, false)) {
      try (Connection a = f.connect("x")) {
        database = scalar(a, "SELECT current_database()");
        try (Statement st = a.createStatement()) {
          st.execute("CREATE TABLE shared_table (id int)");
        }
      }
      try (Connection b = f.connect("y")) {
        assertThat(scalar(b, "SELECT current_database()")).isEqualTo(database);
        assertThat(scalar(b, "SELECT count(*) FROM shared_table")).isEqualTo("0");
      }
      assertThat(databaseExists(database)).isTrue();
    }
    assertThat(databaseExists(database)).isFalse();
  }

  @Test
  void persistKeepsTheClone() throws Exception {
    String database;
    try (FreshProxy f = start("pgi_fp", 0, false, true)) {
      try (Connection c = f.connect("app")) {
        database = scalar(c, "SELECT current_database()");
      }
      awaitTrue(() -> f.backend().clonesInUse() == 0, "connection released");
    }
    try {
      assertThat(databaseExists(database)).as("kept after the pool closed").isTrue();
    } finally {
      try (Connection admin = server.connect("postgres");
          Statement st = admin.createStatement()) {
        st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
    }
  }

  @Test
  void psqlWorksThroughIt(@TempDir Path dir) throws Exception {
    try (FreshProxy f = start("pgi_fq", 1, false, false)) {
      String output =
          run(
              dir,
              "psql",
              "-X",
              "-At",
              "-v",
              "ON_ERROR_STOP=1",
              "-h",
              f.proxy().host(),
              "-p",
              String.valueOf(f.proxy().port()),
              "-U",
              "tool",
              "-d",
              "whatever",
              "-c",
              "SELECT current_database() || ' ' || text FROM greeting");
      assertThat(output.strip()).matches("pgi_fq_\\w+ hello");
    }
  }

  @Test
  void clientsThatLeaveDuringStartupLeakNoClone() throws Exception {
    // No ready clones: each StartupMessage makes the proxy wait for a new clone, and the client
    // is gone before it is there.
    try (FreshProxy f = start("pgi_fl", 0, false, false)) {
      for (int i = 0; i < 5; i++) {
        try (Socket socket = new Socket(f.proxy().host(), f.proxy().port())) {
          socket.getOutputStream().write(startupMessage("anyone", "app"));
          socket.getOutputStream().flush();
        }
        try (Socket socket = new Socket(f.proxy().host(), f.proxy().port())) {
          // Half a StartupMessage: no backend is ever chosen.
          byte[] half = startupMessage("anyone", "app");
          socket.getOutputStream().write(half, 0, half.length / 2);
          socket.getOutputStream().flush();
        }
      }
      awaitTrue(
          () -> f.backend().clonesInUse() == 0 && clones("pgi_fl_") == 0,
          "no clone left behind (pool: " + f.pool().state() + ")");

      // And the proxy keeps serving.
      try (Connection c = f.connect("app")) {
        assertThat(scalar(c, "SELECT text FROM greeting")).isEqualTo("hello");
      }
    }
  }

  @Test
  void aFailingPoolIsReportedToTheClient() {
    FreshProxy f = start("pgi_fx", 0, false, false);
    try {
      f.pool().close();
      assertThatThrownBy(() -> f.connect("app").close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("no backend for this connection")
          .hasMessageContaining("closed");
    } finally {
      f.close();
    }
  }

  static byte[] startupMessage(String user, String database) throws IOException {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeInt(196608);
    for (String s : List.of("user", user, "database", database)) {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    out.write(0);
    byte[] b = body.toByteArray();
    java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
    new DataOutputStream(packet).writeInt(b.length + 4);
    packet.write(b);
    return packet.toByteArray();
  }

  static String scalar(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static boolean databaseExists(String name) {
    return databaseExists(server, name);
  }

  static boolean databaseExists(PgServer on, String name) {
    try (Connection admin = on.connect("postgres");
        PreparedStatement st =
            admin.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
      st.setString(1, name);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static int clones(String prefix) {
    try (Connection admin = server.connect("postgres");
        PreparedStatement st =
            admin.prepareStatement("SELECT count(*) FROM pg_database WHERE datname LIKE ?")) {
      st.setString(1, prefix + "%");
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** Polls {@code condition} until it holds, for at most 20 s. */
  static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 20 s waiting for: " + what);
      }
      Thread.sleep(20);
    }
  }

  /** Runs a command with a bounded wait; returns its output, fails on a non-zero exit. */
  static String run(Path dir, String... command) throws Exception {
    Path log = Files.createTempFile(dir, "out", ".txt");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out: " + List.of(command));
      }
      String output = Files.readString(log);
      assertThat(process.exitValue()).as("%s printed:%n%s", List.of(command), output).isZero();
      return output;
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
