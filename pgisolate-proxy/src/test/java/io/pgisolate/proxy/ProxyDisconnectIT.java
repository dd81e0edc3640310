package io.pgisolate.proxy;

import static io.pgisolate.proxy.FreshDatabaseBackendIT.awaitTrue;
import static io.pgisolate.proxy.FreshDatabaseBackendIT.startupMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.Template;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Plain and fresh mode: clients and backends that go away at awkward moments (during start-up,
 * while the server is blocked on a client that does not read, racing a cancel) leave no clone,
 * session or cancel key behind, and the proxy keeps serving.
 */
@Timeout(120)
class ProxyDisconnectIT {
  static TempCluster pg;
  static Template template;
  static PgServer server;

  @BeforeAll
  static void start() {
    pg = TempCluster.builder().start();
    server = pg.server();
    template = FreshProxy.greetingTemplate(pg, "fresh-disconnect-it");
  }

  @AfterAll
  static void stop() {
    if (pg != null) {
      pg.close();
    }
  }

  private static FreshProxy start(String prefix, int ready) {
    return start(ClonePool.Settings.defaults().withPrefix(prefix).withReady(ready));
  }

  private static FreshProxy start(ClonePool.Settings settings) {
    return FreshProxy.start(pg, template, settings, false, false);
  }

  @Test
  void aTerminatedBackendEndsItsClientAndDropsItsClone() throws Exception {
    try (FreshProxy f = start("pgi_dt", 0);
        Connection other = f.connect("app");
        Connection c = f.connect("app")) {
      String db = scalar(c, "SELECT current_database()");
      String pid = scalar(c, "SELECT pg_backend_pid()");
      try (Connection admin = server.connect("postgres");
          Statement st = admin.createStatement()) {
        st.execute("SELECT pg_terminate_backend(" + pid + ")");
      }
      assertThatThrownBy(() -> scalar(c, "SELECT 1")).isInstanceOf(SQLException.class);
      awaitTrue(() -> !databaseExists(db), "clone " + db + " dropped");
      awaitTrue(() -> f.backend().clonesInUse() == 1, "one clone in use");
      assertThat(scalar(other, "SELECT text FROM greeting")).isEqualTo("hello");
      awaitTrue(() -> f.proxy().activeCancelKeys() == 1, "one cancel key");
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aPlainSlowReaderThatLeavesEndsItsSession(boolean reset) throws Exception {
    try (ProxyServer proxy =
        ProxyServer.builder()
            .backend(pg.host(), pg.port())
            .backendUser(pg.user())
            .backendPassword(pg.password())
            .start()) {
      String app = "slow_" + reset;
      try (Socket s = new Socket(proxy.host(), proxy.port())) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(startup("anyone", pg.database(), app));
        s.getOutputStream()
            .write(query("SELECT repeat('x', 1000) FROM generate_series(1, 200000)"));
        s.getOutputStream().flush();
        readKey(s.getInputStream());
        awaitTrue(() -> appWaitEvent(app).contains("ClientWrite"), "the backend blocks");
        if (reset) {
          s.setSoLinger(true, 0);
        }
      }
      awaitTrue(() -> appWaitEvent(app).isEmpty(), "the session of " + app + " ended");
      awaitTrue(() -> proxy.activeCancelKeys() == 0, "no cancel key left");
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTlsSlowReaderThatLeavesEndsItsSession(boolean reset, @TempDir Path dir) throws Exception {
    TestCertificate certificate = TestCertificate.create(dir, "proxy");
    try (ProxyServer proxy =
        ProxyServer.builder()
            .backend(pg.host(), pg.port())
            .backendUser(pg.user())
            .backendPassword(pg.password())
            .tls(certificate.certificate(), certificate.key())
            .start()) {
      String app = "tls_slow_" + reset;
      try (Socket plain = new Socket(proxy.host(), proxy.port())) {
        plain.setSoTimeout(30_000);
        DataOutputStream request = new DataOutputStream(plain.getOutputStream());
        request.writeInt(8);
        request.writeInt(80877103);
        request.flush();
        assertThat(plain.getInputStream().read()).isEqualTo('S');
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
            null,
            new TrustManager[] {
              new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                  return new X509Certificate[0];
                }
              }
            },
            null);
        try (Socket s =
            context.getSocketFactory().createSocket(plain, proxy.host(), proxy.port(), true)) {
          s.getOutputStream().write(startup("anyone", pg.database(), app));
          s.getOutputStream()
              .write(query("SELECT repeat('x', 1000) FROM generate_series(1, 200000)"));
          s.getOutputStream().flush();
          readKey(s.getInputStream());
          awaitTrue(() -> appWaitEvent(app).contains("ClientWrite"), "the backend blocks");
          if (reset) {
            plain.setSoLinger(true, 0);
          }
        }
      }
      awaitTrue(() -> appWaitEvent(app).isEmpty(), "the session of " + app + " ended");
      awaitTrue(() -> proxy.activeCancelKeys() == 0, "no cancel key left");
    }
  }

  static byte[] startup(String user, String database, String app) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeInt(196608);
    for (String s : List.of("user", user, "database", database, "application_name", app)) {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    out.write(0);
    byte[] b = body.toByteArray();
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    new DataOutputStream(packet).writeInt(b.length + 4);
    packet.write(b);
    return packet.toByteArray();
  }

  static String appWaitEvent(String app) {
    try (Connection admin = server.connect("postgres");
        PreparedStatement st =
            admin.prepareStatement(
                "SELECT string_agg(coalesce(wait_event, 'none'), ',') FROM pg_stat_activity"
                    + " WHERE application_name = ?")) {
      st.setString(1, app);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getString(1) == null ? "" : rs.getString(1);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void clientsThatLeaveDuringTheBackendStartupLeakNothing() throws Exception {
    try (FreshProxy f = start("pgi_db", 3)) {
      for (int i = 0; i < 60; i++) {
        try (Socket s = new Socket(f.proxy().host(), f.proxy().port())) {
          s.setSoTimeout(30_000);
          s.getOutputStream().write(startupMessage("anyone", "app"));
          s.getOutputStream().flush();
          // AuthenticationOk: the proxy now selects a clone and opens a session on it.
          assertThat(s.getInputStream().read()).isEqualTo('R');
          if (i % 2 == 0) {
            s.setSoLinger(true, 0);
          }
          long spin = System.nanoTime() + (i % 10) * 200_000L;
          while (System.nanoTime() < spin) {
            Thread.onSpinWait();
          }
        }
      }
      awaitTrue(
          () ->
              f.backend().clonesInUse() == 0
                  && f.proxy().activeCancelKeys() == 0
                  && count("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE ?", "pgi_db_%")
                      == 0,
          "no clone in use, no session left (pool: " + f.pool().state() + ")");
      try (Connection c = f.connect("app")) {
        assertThat(scalar(c, "SELECT text FROM greeting")).isEqualTo("hello");
      }
    }
  }

  @Test
  void aCancelReachesTheClone() throws Exception {
    try (FreshProxy f = start("pgi_dq", 0);
        Connection c = f.connect("app");
        Statement st = c.createStatement()) {
      st.setQueryTimeout(1);
      assertThatThrownBy(() -> st.execute("SELECT pg_sleep(30)"))
          .hasMessageContaining("canceling statement due to user request");
      assertThat(scalar(c, "SELECT text FROM greeting")).isEqualTo("hello");
    }
  }

  @Test
  void aBackendTerminatedMidCopyEndsTheCopyWithAnError() throws Exception {
    try (FreshProxy f = start("pgi_dy", 0)) {
      Connection c = f.connect("app");
      String db;
      try {
        db = scalar(c, "SELECT current_database()");
        String pid = scalar(c, "SELECT pg_backend_pid()");
        try (Statement st = c.createStatement()) {
          st.execute("CREATE TABLE IF NOT EXISTS copy_target (id int, text text)");
        }
        byte[] line = "2,another line of text for the table\n".getBytes(StandardCharsets.UTF_8);
        InputStream endless =
            new InputStream() {
              long sent;
              boolean terminated;

              @Override
              public int read() {
                throw new UnsupportedOperationException();
              }

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                if (sent > 1_000_000 && !terminated) {
                  terminated = true;
                  try (Connection admin = server.connect("postgres");
                      Statement st = admin.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(" + pid + ")");
                  } catch (SQLException e) {
                    throw new IOException(e);
                  }
                }
                int n = Math.min(len, line.length);
                System.arraycopy(line, 0, b, off, n);
                sent += n;
                return n;
              }
            };
        org.postgresql.copy.CopyManager copy =
            c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
        assertThatThrownBy(
                () -> copy.copyIn("COPY copy_target FROM STDIN (FORMAT csv)", endless, 65536))
            .isInstanceOf(SQLException.class);
      } finally {
        try {
          c.close();
        } catch (SQLException e) {
          // "Unable to close connection properly": pgjdbc says so without the proxy too.
        }
      }
      awaitTrue(() -> !databaseExists(db) && f.backend().clonesInUse() == 0, "clone dropped");
    }
  }

  @Test
  void clientsThatLeaveWhileWaitingForAFullPoolNoLongerWait() throws Exception {
    try (FreshProxy f =
        start(ClonePool.Settings.defaults().withPrefix("pgi_dw").withReady(0).withMax(1))) {
      try (Connection holder = f.connect("app")) {
        assertThat(scalar(holder, "SELECT current_database()"))
            .startsWith("pgi_dw_")
            .endsWith("_1");
        List<Socket> waiting = new ArrayList<>();
        try {
          for (int i = 0; i < 5; i++) {
            Socket s = new Socket(f.proxy().host(), f.proxy().port());
            waiting.add(s);
            s.getOutputStream().write(startupMessage("anyone", "app"));
            s.getOutputStream().flush();
          }
          awaitTrue(
              () -> f.pool().state().contains("waiting=5"),
              "5 clients wait for a clone (pool: " + f.pool().state() + ")");
        } finally {
          for (Socket s : waiting) {
            s.close();
          }
        }
        // Gone: they no longer wait, so they take no clone from clients still there.
        awaitTrue(
            () -> f.pool().state().contains("waiting=0"),
            "the clients that left no longer wait (pool: " + f.pool().state() + ")");
      }
      awaitTrue(
          () ->
              f.pool()
                  .state()
                  .startsWith("ready=0, in use=0, being created=0, being dropped=0, waiting=0"),
          "the pool is idle (pool: " + f.pool().state() + ")");
      try (Connection next = f.connect("app")) {
        // The second clone ever made: none was made for the clients that left.
        assertThat(scalar(next, "SELECT current_database()")).startsWith("pgi_dw_").endsWith("_2");
      }
    }
  }

  @Test
  void manyClientsThatVanishAtOnceLeakNoClone() throws Exception {
    try (FreshProxy f = start("pgi_dm", 0)) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 20; i++) {
          Socket s = new Socket(f.proxy().host(), f.proxy().port());
          sockets.add(s);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          out.write(startupMessage("anyone", "app"));
          out.write(query("SELECT pg_sleep(0.01)"));
          s.getOutputStream().write(out.toByteArray());
          s.getOutputStream().flush();
        }
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
      // Clones made for clients that left before they got one stay ready for the next clients.
      awaitTrue(
          () ->
              f.backend().clonesInUse() == 0
                  && f.pool().state().contains(", in use=0,")
                  && count("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE ?", "pgi_dm_%")
                      == 0
                  && f.proxy().activeCancelKeys() == 0,
          "no clone in use, no session left (pool: " + f.pool().state() + ")");
      try (Connection c = f.connect("app")) {
        assertThat(scalar(c, "SELECT text FROM greeting")).isEqualTo("hello");
      }
    }
    assertThat(clones("pgi_dm_")).as("clones left after the pool closed").isZero();
  }

  @Test
  void aSlowReaderThatLeavesLeaksNoClone() throws Exception {
    try (FreshProxy f = start("pgi_ds", 0)) {
      String db;
      try (Socket s = new Socket(f.proxy().host(), f.proxy().port())) {
        s.setSoTimeout(30_000);
        s.setReceiveBufferSize(4096);
        s.getOutputStream().write(startupMessage("anyone", "app"));
        s.getOutputStream().write(query("SELECT current_database()"));
        s.getOutputStream()
            .write(query("SELECT repeat('x', 1000) FROM generate_series(1, 200000)"));
        s.getOutputStream().flush();
        db = readFirstDataRow(s.getInputStream());
        // Wait until the server is blocked on its output: the proxy stopped reading it.
        awaitTrue(() -> waitEvent(db).contains("ClientWrite"), "the backend of " + db + " blocks");
      }
      awaitTrue(
          () -> !databaseExists(db) && f.backend().clonesInUse() == 0, "clone " + db + " dropped");
    }
  }

  @Test
  void aCancelRacingTheDisconnectOfItsClient() throws Exception {
    try (FreshProxy f = start("pgi_dc", 0)) {
      for (int i = 0; i < 5; i++) {
        String db;
        try (Socket s = new Socket(f.proxy().host(), f.proxy().port());
            Socket cancel = new Socket(f.proxy().host(), f.proxy().port())) {
          s.setSoTimeout(30_000);
          cancel.setSoTimeout(30_000);
          s.getOutputStream().write(startupMessage("anyone", "app"));
          s.getOutputStream().flush();
          byte[] key = readKey(s.getInputStream());
          s.getOutputStream().write(query("SELECT current_database()"));
          s.getOutputStream().write(query("SELECT pg_sleep(60)"));
          s.getOutputStream().flush();
          String sleeping = readFirstDataRow(s.getInputStream());
          db = sleeping;
          awaitTrue(() -> waitEvent(sleeping).contains("PgSleep"), "sleeping");
          DataOutputStream out = new DataOutputStream(cancel.getOutputStream());
          out.writeInt(16);
          out.writeInt(80877102);
          out.write(key);
          out.flush();
          s.close();
          assertThat(cancel.getInputStream().read()).isEqualTo(-1);
        }
        awaitTrue(
            () -> !databaseExists(db) && f.backend().clonesInUse() == 0,
            "clone " + db + " dropped");
      }
      awaitTrue(() -> f.proxy().activeCancelKeys() == 0, "no cancel key left");
    }
  }

  static String scalar(Connection c, String sql) throws SQLException {
    return FreshDatabaseBackendIT.scalar(c, sql);
  }

  static boolean databaseExists(String name) {
    return count("SELECT count(*) FROM pg_database WHERE datname = ?", name) > 0;
  }

  static int clones(String prefix) {
    return count("SELECT count(*) FROM pg_database WHERE datname LIKE ?", prefix + "%");
  }

  static int count(String sql, String parameter) {
    try (Connection admin = server.connect("postgres");
        PreparedStatement st = admin.prepareStatement(sql)) {
      st.setString(1, parameter);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static String waitEvent(String db) {
    try (Connection admin = server.connect("postgres");
        PreparedStatement st =
            admin.prepareStatement(
                "SELECT coalesce(string_agg(wait_event, ','), '') FROM pg_stat_activity"
                    + " WHERE datname = ?")) {
      st.setString(1, db);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] query(String sql) throws IOException {
    byte[] text = sql.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeByte('Q');
    out.writeInt(4 + text.length + 1);
    out.write(text);
    out.writeByte(0);
    return b.toByteArray();
  }

  /** Reads messages up to BackendKeyData and returns its 8 bytes (then up to ReadyForQuery). */
  static byte[] readKey(InputStream in) throws IOException {
    byte[] key = null;
    while (true) {
      int type = in.read();
      byte[] body = body(in);
      if (type == 'K') {
        key = body;
      } else if (type == 'Z') {
        return key;
      } else if (type == 'E' || type < 0) {
        throw new AssertionError("no session: " + new String(body, StandardCharsets.UTF_8));
      }
    }
  }

  static String readFirstDataRow(InputStream in) throws IOException {
    while (true) {
      int type = in.read();
      if (type < 0) {
        throw new AssertionError("closed");
      }
      byte[] body = body(in);
      if (type == 'D') {
        int len =
            ((body[2] & 0xff) << 24)
                | ((body[3] & 0xff) << 16)
                | ((body[4] & 0xff) << 8)
                | (body[5] & 0xff);
        return new String(body, 6, len, StandardCharsets.UTF_8);
      }
    }
  }

  static byte[] body(InputStream in) throws IOException {
    byte[] len = in.readNBytes(4);
    int n =
        ((len[0] & 0xff) << 24)
            | ((len[1] & 0xff) << 16)
            | ((len[2] & 0xff) << 8)
            | (len[3] & 0xff);
    return in.readNBytes(n - 4);
  }
}
