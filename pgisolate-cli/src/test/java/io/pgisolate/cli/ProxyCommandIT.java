package io.pgisolate.cli;

import static io.pgisolate.cli.Queries.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.Signals;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** pgisolate proxy as users run it: a child JVM, pgjdbc through it, then Ctrl-C (SIGINT). */
class ProxyCommandIT {
  @RegisterExtension final Cli cli = new Cli();

  @Test
  void ownClusterServesUntilInterruptedThenEverythingIsCleanedUp(@TempDir Path sockets)
      throws Exception {
    Process proxy =
        cli.start(
            "proxy",
            "-d",
            "demo",
            "--socket-dir",
            sockets.toString(),
            "--auth",
            "scram",
            "--proxy-user",
            "app",
            "--proxy-password",
            "s3cret");
    Map<String, String> printed = readUntilReady(proxy);
    String jdbc = printed.get("JDBC");
    assertThat(jdbc).contains("/demo?user=app&password=s3cret");
    assertThat(printed.get("export PGUSER")).isEqualTo("'app'");
    try (Connection c = DriverManager.getConnection(jdbc);
        ResultSet rs =
            c.createStatement().executeQuery("select current_database(), current_user")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("demo");
      // The proxy logs in to its cluster as the cluster's superuser, whoever the client is.
      assertThat(rs.getString(2)).isEqualTo("postgres");
    }
    assertThatThrownBy(
            () -> DriverManager.getConnection(jdbc.replace("password=s3cret", "password=wrong")))
        .hasMessageContaining("password authentication failed for user \"app\"");

    Path data = Path.of(printed.get("Data"));
    long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0));
    int port = Integer.parseInt(printed.get("export PGPORT").replace("'", ""));
    Path socket = sockets.resolve(".s.PGSQL." + port);
    assertThat(socket).exists();

    assertThat(Signals.send(proxy.pid(), "INT")).isTrue(); // Ctrl-C
    assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(proxy.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("Proxy and PostgreSQL stopped and removed.");
    assertThat(data).doesNotExist();
    assertThat(socket).doesNotExist();
    assertThat(ProcessHandle.of(postmaster)).isEmpty();
    assertThat(listening(port)).isFalse();
  }

  @Test
  void requiredTls(@TempDir Path dir) throws Exception {
    Path certificate = dir.resolve("proxy.crt");
    Path key = dir.resolve("proxy.key");
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                key.toString(),
                "-out",
                certificate.toString())
            .redirectErrorStream(true)
            .start();
    String made = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(openssl.waitFor()).as(made).isZero();

    Process proxy =
        cli.start(
            "proxy",
            "--tls-cert",
            certificate.toString(),
            "--tls-key",
            key.toString(),
            "--tls-required");
    Map<String, String> printed = readUntilReady(proxy);
    String jdbc = printed.get("JDBC");
    // verify-ca: the client checks that the proxy presented this very certificate.
    try (Connection c =
            DriverManager.getConnection(jdbc + "&sslmode=verify-ca&sslrootcert=" + certificate);
        ResultSet rs = c.createStatement().executeQuery("select 42")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
    assertThatThrownBy(() -> DriverManager.getConnection(jdbc + "&sslmode=disable"))
        .hasMessageContaining("this pgisolate proxy requires SSL");
    assertThat(Signals.send(proxy.pid(), "TERM")).isTrue();
    assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void existingBackend() throws Exception {
    try (TempCluster pg = TempCluster.builder().database("shop").start()) {
      Process proxy = cli.start("proxy", "--backend", pg.uri());
      Map<String, String> printed = readUntilReady(proxy);
      assertThat(printed).doesNotContainKey("Data");
      assertThat(printed.get("JDBC")).endsWith("/shop?user=postgres").doesNotContain("password");
      try (Connection c = DriverManager.getConnection(printed.get("JDBC"));
          ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("shop");
      }
      assertThat(Signals.send(proxy.pid(), "TERM")).isTrue();
      assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(new String(proxy.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("Proxy stopped.");
      // The server it pointed at is not the proxy's to stop.
      try (Connection c = pg.dataSource().getConnection()) {
        assertThat(c.isValid(5)).isTrue();
      }
    }
  }

  @Test
  void freshModeGivesEachConnectionADatabaseFromTheTemplate(@TempDir Path dir) throws Exception {
    Path schema = dir.resolve("schema.sql");
    Files.writeString(schema, "CREATE TABLE item (id int); INSERT INTO item VALUES (7);");
    Process proxy = cli.start("proxy", "--mode", "fresh", "--template-sql", schema.toString());
    Map<String, String> printed = readUntilReady(proxy);
    String jdbc = printed.get("JDBC");
    String first;
    try (Connection a = DriverManager.getConnection(jdbc);
        Connection b = DriverManager.getConnection(jdbc.replace("/fresh?", "/other?"))) {
      first = scalar(a, "select current_database()");
      assertThat(first).startsWith("pgi_p_").isNotEqualTo(scalar(b, "select current_database()"));
      assertThat(scalar(a, "select id from item")).isEqualTo("7");
      assertThat(scalar(b, "select id from item")).isEqualTo("7");
      a.createStatement().execute("create table mine (id int)");
      assertThat(scalar(b, "select count(*) from pg_tables where tablename = 'mine'"))
          .isEqualTo("0");
    }
    assertThat(Signals.send(proxy.pid(), "TERM")).isTrue();
    assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(proxy.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("Proxy and PostgreSQL stopped and removed.");
    assertThat(Path.of(printed.get("Data"))).doesNotExist();
  }

  /**
   * At exit the proxy closes its shared session before pgisolate stops the cluster under it (the
   * JVM runs shutdown hooks at the same time: the cluster's could end the session first, and the
   * proxy then warned that its session was lost). Three times, since it was a race.
   */
  @Test
  void transactionalModeStopsBeforeItsClusterWithoutWarnings() throws Exception {
    for (int round = 0; round < 3; round++) {
      Process proxy = cli.start("proxy", "--mode", "transactional");
      Map<String, String> printed = readUntilReady(proxy);
      try (Connection c = DriverManager.getConnection(printed.get("JDBC"))) {
        c.createStatement().execute("BEGIN TEST 'open at exit'");
        assertThat(Signals.send(proxy.pid(), "TERM")).isTrue();
        assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      String err =
          printed.get(STDERR)
              + new String(proxy.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(err)
          .as("round %d", round)
          .contains("Proxy and PostgreSQL stopped and removed.")
          .doesNotContain("WARN")
          .doesNotContain("ERROR");
      assertThat(Path.of(printed.get("Data"))).doesNotExist();
    }
  }

  @Test
  void transactionalModeUndoesEachTestOnAnExistingServer() throws Exception {
    try (TempCluster pg = TempCluster.builder().start()) {
      try (Connection direct = pg.dataSource().getConnection()) {
        direct.createStatement().execute("create table orders (id int)");
      }
      Process proxy = cli.start("proxy", "--mode", "transactional", "--backend", pg.uri());
      String jdbc = readUntilReady(proxy).get("JDBC");
      try (Connection control = DriverManager.getConnection(jdbc);
          Connection app = DriverManager.getConnection(jdbc)) {
        control.createStatement().execute("BEGIN TEST 'first'");
        app.setAutoCommit(false);
        app.createStatement().execute("insert into orders values (1)");
        app.commit();
        assertThat(scalar(control, "select count(*) from orders")).isEqualTo("1");
        control.createStatement().execute("ROLLBACK TEST 'first'");
        assertThat(scalar(app, "select count(*) from orders")).isEqualTo("0");
      }
      try (Connection direct = pg.dataSource().getConnection()) {
        assertThat(scalar(direct, "select count(*) from orders")).isEqualTo("0");
      }
      assertThat(Signals.send(proxy.pid(), "TERM")).isTrue();
      assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void freshSingleAndPersistOnAnExistingServer() throws Exception {
    try (TempCluster pg = TempCluster.builder().start()) {
      Process single = cli.start("proxy", "--mode", "fresh", "--single", "--backend", pg.uri());
      String jdbc = readUntilReady(single).get("JDBC");
      String shared;
      try (Connection a = DriverManager.getConnection(jdbc);
          Connection b = DriverManager.getConnection(jdbc)) {
        shared = scalar(a, "select current_database()");
        assertThat(scalar(b, "select current_database()")).isEqualTo(shared);
      }
      assertThat(Signals.send(single.pid(), "TERM")).isTrue();
      assertThat(single.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(databases(pg)).doesNotContain(shared);

      Process persist = cli.start("proxy", "--mode", "fresh", "--persist", "--backend", pg.uri());
      jdbc = readUntilReady(persist).get("JDBC");
      String kept;
      try (Connection c = DriverManager.getConnection(jdbc)) {
        kept = scalar(c, "select current_database()");
      }
      assertThat(Signals.send(persist.pid(), "TERM")).isTrue();
      assertThat(persist.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(new String(persist.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("Kept database " + kept);
      assertThat(databases(pg)).contains(kept);
    }
  }

  @Test
  void freshClusterPerConnection(@TempDir Path dir) throws Exception {
    Path schema = dir.resolve("schema.sql");
    Files.writeString(schema, "CREATE TABLE item (id int);");
    Process proxy =
        cli.start(
            "proxy",
            "--mode",
            "fresh",
            "--per-connection",
            "cluster",
            "--template-sql",
            schema.toString());
    String jdbc = readUntilReady(proxy).get("JDBC");
    try (Connection a = DriverManager.getConnection(jdbc);
        Connection b = DriverManager.getConnection(jdbc)) {
      assertThat(scalar(a, "show data_directory")).isNotEqualTo(scalar(b, "show data_directory"));
      assertThat(scalar(a, "select count(*) from item")).isEqualTo("0");
    }
    assertThat(Signals.send(proxy.pid(), "TERM")).isTrue();
    assertThat(proxy.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  private static List<String> databases(TempCluster pg) throws java.sql.SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = pg.dataSource().getConnection();
        ResultSet rs = c.createStatement().executeQuery("select datname from pg_database")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  @Test
  void proxyPortInUseIsOneLineWithAHintAndItsClusterIsRemoved(@TempDir Path root) throws Exception {
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int exit =
          cli.run(
              "proxy",
              "--proxy-port",
              Integer.toString(taken.getLocalPort()),
              "--data-root",
              root.toString());
      assertThat(exit).isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: the proxy could not listen on 127.0.0.1:"
                  + taken.getLocalPort()
                  + ": the address is already in use. Hint: choose another port, or leave the"
                  + " port unset to get a free one.\n");
    }
    try (var left =
        Files.list(root.resolve("pgisolate-" + io.pgisolate.os.OsUser.current().uid()))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void missingSocketDirectoryIsOneLineWithAHint(@TempDir Path dir) throws Exception {
    try (TempCluster pg = TempCluster.builder().start()) {
      Path missing = dir.resolve("no-such-dir");
      int exit = cli.run("proxy", "--backend", pg.uri(), "--socket-dir", missing.toString());
      assertThat(exit).isEqualTo(1);
      assertThat(cli.err())
          .startsWith("pgisolate: the proxy could not listen on " + missing + "/.s.PGSQL.")
          .endsWith(
              ": No such file or directory. Hint: check that the socket directory exists and is"
                  + " writable.\n");
      assertThat(cli.err().lines()).hasSize(1);
    }
  }

  @Test
  void templateSqlWithAnSqlErrorIsOneLineWithAHintAndItsClusterIsRemoved(@TempDir Path dir)
      throws Exception {
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path root = Files.createDirectory(dir.resolve("root"));
    Path schema = Files.writeString(dir.resolve("schema.sql"), "create tabel t (id int);\n");
    int exit =
        cli.run(
            "proxy",
            "--mode",
            "fresh",
            "--template-sql",
            schema.toString(),
            "--data-root",
            root.toString());
    assertThat(exit).isEqualTo(1);
    assertThat(cli.err())
        .startsWith("pgisolate: template ")
        .endsWith(
            " could not be built: init script "
                + schema
                + " failed at line 1, column 8: syntax error at or near \"tabel\". Hint: fix the"
                + " --template-sql script and rerun.\n");
    assertThat(cli.err().lines()).hasSize(1);
    try (var left =
        Files.list(root.resolve("pgisolate-" + io.pgisolate.os.OsUser.current().uid()))) {
      assertThat(left).isEmpty();
    }
  }

  /** In what {@link #readUntilReady} returns: everything stderr had before "Press Ctrl-C". */
  private static final String STDERR = "(stderr)";

  /**
   * The "Name: value" lines printed on stderr before "Press Ctrl-C", and the "export NAME" and
   * "unset" lines of stdout, which is closed once they are written.
   */
  private static Map<String, String> readUntilReady(Process proxy) throws Exception {
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(proxy.getErrorStream(), StandardCharsets.UTF_8));
    Map<String, String> printed = new LinkedHashMap<>();
    StringBuilder stderr = new StringBuilder();
    String line;
    while ((line = lines.readLine()) != null && !line.startsWith("Press Ctrl-C")) {
      stderr.append(line).append('\n');
      int separator = line.indexOf(": ");
      if (separator > 0) {
        printed.put(line.substring(0, separator), line.substring(separator + 2).strip());
      }
    }
    assertThat(line).as("the proxy got ready; stderr ended").isNotNull();
    String shell = new String(proxy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    for (String exported : shell.split("\n")) {
      assertThat(exported).as("stdout is for a shell").matches("(export|unset) .*");
      int separator = exported.indexOf('=');
      if (exported.startsWith("export ") && separator > 0) {
        printed.put(exported.substring(0, separator), exported.substring(separator + 1));
      }
    }
    assertThat(printed).containsKey("export " + ClusterEnvironment.PID_VARIABLE);
    printed.put(STDERR, stderr.toString());
    return printed;
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
