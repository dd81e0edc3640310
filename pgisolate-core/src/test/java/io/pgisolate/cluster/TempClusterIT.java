package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.testing.Leftovers;
import io.pgisolate.wire.AdminConnection;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempClusterIT {

  @Test
  void startsTunedForTestsAndLeavesNothingBehind() throws Exception {
    TempCluster pg = TempCluster.builder().start();
    Path workDir = pg.dataDirectory().getParent();
    try (pg;
        Connection c = DriverManager.getConnection(pg.jdbcUrl());
        Statement st = c.createStatement()) {
      assertThat(pg.binaries().majorVersion()).isEqualTo(System.getenv("PGISOLATE_PG_VERSION"));
      assertThat(show(st, "fsync")).isEqualTo("off");
      assertThat(show(st, "synchronous_commit")).isEqualTo("off");
      assertThat(show(st, "full_page_writes")).isEqualTo("off");
      assertThat(show(st, "listen_addresses")).isEqualTo("127.0.0.1");
      assertThat(show(st, "server_encoding")).isEqualTo("UTF8");
      assertThat(pg.dataDirectory()).startsWith(Path.of("/dev/shm"));
    }
    Leftovers.assertNothingLeftIn(workDir);
    assertThat(ProcessHandle.of(pg.pid())).isEmpty();
  }

  @Test
  void exposesUrlsDataSourceAndCredentials() throws Exception {
    try (TempCluster pg =
        TempCluster.builder().user("alice").password("s3cret 'x'").database("app db").start()) {
      assertThat(pg.uri())
          .isEqualTo("postgresql://alice:s3cret%20%27x%27@127.0.0.1:" + pg.port() + "/app%20db");
      assertThat(pg.jdbcUrl())
          .startsWith("jdbc:postgresql://127.0.0.1:" + pg.port() + "/app%20db?");
      try (Connection c = pg.dataSource().getConnection();
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select current_user, current_database()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("alice");
        assertThat(rs.getString(2)).isEqualTo("app db");
      }
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl());
          ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "select rolpassword like 'SCRAM-SHA-256$%' from pg_authid"
                          + " where rolname = 'alice'")) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("password stored as a SCRAM verifier").isTrue();
      }
    }
  }

  /**
   * Every connection pays the verifier's iterations on both ends: the generated password is random,
   * so it is stored with one; a password given may be guessable, so it keeps PostgreSQL's 4096.
   */
  @Test
  void theGeneratedPasswordIsStoredWithOneScramIterationAGivenOneWithPostgresDefault()
      throws Exception {
    try (TempCluster generated = TempCluster.builder().start();
        TempCluster given = TempCluster.builder().password("chosen").start();
        TempCluster chosen = TempCluster.builder().scramIterations(100).start()) {
      assertThat(verifierIterations(generated)).isEqualTo("1");
      assertThat(verifierIterations(given)).isEqualTo("4096");
      assertThat(verifierIterations(chosen)).isEqualTo("100");
    }
  }

  private static String verifierIterations(TempCluster pg) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl());
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select split_part(split_part(rolpassword, '$', 2), ':', 1) from pg_authid"
                        + " where rolname = current_user")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void wrongPasswordIsRefusedOnTcp() {
    try (TempCluster pg = TempCluster.builder().start()) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres";
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> DriverManager.getConnection(url, "postgres", "wrong").close())
          .hasMessageContaining("password authentication failed");
    }
  }

  @Test
  void loadsExtensionsScriptsSettingsAndHbaLines(@TempDir Path dir) throws Exception {
    Path schema = Files.writeString(dir.resolve("schema.sql"), "create table t (id int);\n");
    Path data = Files.writeString(dir.resolve("data.sql"), "insert into t values (1), (2);");
    try (TempCluster pg =
            TempCluster.builder()
                .extension("pg_trgm")
                .initScript(schema)
                .initScript(data)
                .setting("work_mem", "7MB")
                .hbaLine("host all all 127.0.0.2/32 reject")
                .start();
        Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement()) {
      assertThat(show(st, "work_mem")).isEqualTo("7MB");
      assertThat(query(st, "select count(*) from t")).isEqualTo("2");
      assertThat(query(st, "select count(*) from pg_extension where extname = 'pg_trgm'"))
          .isEqualTo("1");
      assertThat(Files.readAllLines(pg.dataDirectory().resolve("pg_hba.conf")))
          .contains("host all all 127.0.0.2/32 reject");
    }
  }

  @Test
  void restoresAPlainPgDumpFile(@TempDir Path dir) throws Exception {
    // The shape pg_dump writes: statements, then COPY … FROM stdin with its data inline.
    Path dump =
        Files.writeString(
            dir.resolve("dump.sql"),
            "SET client_encoding = 'UTF8';\n"
                + "CREATE TABLE public.item (id integer, name text);\n"
                + "COPY public.item (id, name) FROM stdin;\n"
                + "1\tapple\n2\tpear\n\\.\n");
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    try (TempCluster pg = TempCluster.builder().dump(dump).start();
        Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement()) {
      assertThat(query(st, "select string_agg(name, ',' order by id) from item"))
          .isEqualTo("apple,pear");
    }
  }

  @Test
  void socketOnlyClusterListensOnNoTcpPort() throws Exception {
    try (TempCluster pg = TempCluster.builder().socketOnly().start()) {
      assertThat(pg.host()).isEqualTo(pg.socketDirectory().toString());
      assertThat(pg.uri()).contains("host=").doesNotContain("@127.0.0.1");
      try (AdminConnection c =
          AdminConnection.open(
              UnixDomainSocketAddress.of(pg.socketDirectory().resolve(".s.PGSQL." + pg.port())),
              pg.user(),
              pg.database(),
              Duration.ofSeconds(10))) {
        assertThat(c.query("show listen_addresses")).isEqualTo(List.of(List.of("")));
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(pg::jdbcUrl)
          .hasMessageContaining("socket-only cluster has no TCP listener");
    }
  }

  @Test
  void persistKeepsTheDataDirectoryAndTheReaperLeavesIt(@TempDir Path dir) throws Exception {
    // The server runs as an unprivileged user when the tests run as root: let it in.
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Path data = dir.resolve("kept");
    TempCluster pg = TempCluster.builder().dataDirectory(data).persist(true).start();
    try (pg;
        Connection c = pg.dataSource().getConnection()) {
      c.createStatement().execute("create table survivor (id int)");
    }
    assertThat(ProcessHandle.of(pg.pid())).isEmpty();
    assertThat(data.resolve("PG_VERSION")).exists();
    // Another start reaps leftovers, but not a cluster kept on purpose.
    try (TempCluster other = TempCluster.builder().start()) {
      assertThat(data.resolve("PG_VERSION")).exists();
    }
    io.pgisolate.os.Directories.deleteTree(pg.socketDirectory().getParent());
  }

  @Test
  void startsWithoutTheInitdbCacheToo() throws Exception {
    try (TempCluster pg = TempCluster.builder().initdbCache(false).start();
        Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement()) {
      assertThat(query(st, "select 1")).isEqualTo("1");
    }
  }

  @Test
  void fetchesAnotherMajorVersionOnRequest() throws Exception {
    try (TempCluster pg = TempCluster.builder().version("17").start();
        Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement()) {
      assertThat(pg.binaries().majorVersion()).isEqualTo("17");
      assertThat(query(st, "show server_version")).startsWith("17.");
    }
  }

  @Test
  void clustersRunSideBySide() throws Exception {
    try (TempCluster a = TempCluster.builder().start();
        TempCluster b = TempCluster.builder().start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.dataDirectory()).isNotEqualTo(b.dataDirectory());
      try (Connection ca = a.dataSource().getConnection();
          Connection cb = b.dataSource().getConnection()) {
        ca.createStatement().execute("create table only_in_a (id int)");
        assertThat(
                query(
                    cb.createStatement(),
                    "select count(*) from pg_class where relname = 'only_in_a'"))
            .isEqualTo("0");
      }
    }
  }

  private static String show(Statement st, String setting) throws Exception {
    return query(st, "show " + setting);
  }

  private static String query(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
