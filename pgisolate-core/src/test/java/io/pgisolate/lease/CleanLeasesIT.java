package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --create and --reset against a real PostgreSQL. */
class CleanLeasesIT {
  static final Duration BOUND = Duration.ofSeconds(30);
  static TempCluster cluster;

  @TempDir Path dir;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TempCluster.builder().start();
    sql(cluster.jdbcUrl(), "create database tpl");
    sql(cluster.jdbcUrl("tpl"), "create table t (x int)");
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  static void sql(String url, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  static List<String> query(String url, String query) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  static List<String> databases(String prefix) throws Exception {
    return query(
        cluster.jdbcUrl(),
        "select datname from pg_database where datname like '" + prefix + "%' order by 1");
  }

  LeaseServer serve(String prefix, int count, String template, boolean create, boolean reset) {
    return LeaseServer.start(
        new LeaseSettings(prefix, count, dir.resolve(prefix + ".sock"))
            .withDatabases(
                Optional.of(
                    new LeaseDatabases(
                        cluster.uri(), Optional.ofNullable(template), create, reset))));
  }

  @Test
  void resetGivesEveryLeaseAFreshCopyOfTheTemplateAndCreateDropsThemAtExit() throws Exception {
    try (LeaseServer server = serve("clean_", 1, "tpl", true, true)) {
      assertThat(databases("clean_")).containsExactly("clean_0");
      try (DatabaseLease lease = DatabaseLease.builder().socket(server.socket()).acquire()) {
        String url = cluster.jdbcUrl(lease.name());
        assertThat(query(url, "select count(*) from t")).containsExactly("0");
        sql(url, "insert into t values (1)");
        assertThat(query(url, "select count(*) from t")).containsExactly("1");
      }
      // The next client waits for the reset, then finds the template's state again.
      try (DatabaseLease lease =
          DatabaseLease.builder().socket(server.socket()).timeout(BOUND).acquire()) {
        assertThat(lease.name()).isEqualTo("clean_0");
        assertThat(query(cluster.jdbcUrl(lease.name()), "select count(*) from t"))
            .containsExactly("0");
      }
      assertThat(server.pool().awaitState(s -> s.recycling().isEmpty(), BOUND)).isTrue();
      server.pool().checkInvariant();
    }
    assertThat(databases("clean_")).isEmpty();
    assertThat(databases(PoolDatabases.CLONE_PREFIX)).as("clones left").isEmpty();
  }

  /**
   * A template changed between two runs: the databases the first run left (--reset alone does not
   * drop them at exit) are made again from the changed template before the second run serves, so no
   * lease of it gets the old schema.
   */
  @Test
  void aServerStartedAfterTheTemplateChangedLeasesOnlyCopiesOfTheChangedOne() throws Exception {
    sql(cluster.jdbcUrl(), "create database tpl_changing");
    sql(cluster.jdbcUrl("tpl_changing"), "create table v1 (x int)");
    try (LeaseServer server = serve("runs_", 2, "tpl_changing", false, true)) {
      try (DatabaseLease lease = DatabaseLease.builder().socket(server.socket()).acquire()) {
        assertThat(tables(lease.name())).containsExactly("v1");
      }
    }
    assertThat(databases("runs_")).as("left by --reset").containsExactly("runs_0", "runs_1");
    sql(cluster.jdbcUrl("tpl_changing"), "create table v2 (x int)");
    try (LeaseServer server = serve("runs_", 2, "tpl_changing", false, true);
        DatabaseLease first = DatabaseLease.builder().socket(server.socket()).acquire();
        DatabaseLease second = DatabaseLease.builder().socket(server.socket()).acquire()) {
      assertThat(tables(first.name())).containsExactly("v1", "v2");
      assertThat(tables(second.name())).containsExactly("v1", "v2");
    }
    sql(cluster.jdbcUrl(), "drop database runs_0; drop database runs_1");
  }

  static List<String> tables(String database) throws Exception {
    return query(
        cluster.jdbcUrl(database),
        "select tablename from pg_tables where schemaname = 'public' order by 1");
  }

  @Test
  void createWithoutResetKeepsDataBetweenLeases() throws Exception {
    try (LeaseServer server = serve("kept_", 1, null, true, false)) {
      try (DatabaseLease lease = DatabaseLease.builder().socket(server.socket()).acquire()) {
        sql(cluster.jdbcUrl(lease.name()), "create table mine (x int)");
      }
      try (DatabaseLease lease =
          DatabaseLease.builder().socket(server.socket()).timeout(BOUND).acquire()) {
        assertThat(query(cluster.jdbcUrl(lease.name()), "select count(*) from mine"))
            .containsExactly("0");
      }
    }
    assertThat(databases("kept_")).isEmpty();
  }

  @Test
  void aMissingTemplateFailsTheStartInOneLineAndLeavesNoSocket() throws Exception {
    assertThatThrownBy(() -> serve("bad_", 2, "no_such_template", true, false))
        .hasMessage(
            "the template database 'no_such_template' does not exist on "
                + PgServer.fromUrl(cluster.uri())
                + ". Hint: create it, or leave out --template for empty databases.");
    assertThat(dir.resolve("bad_.sock")).doesNotExist();
    assertThat(databases("bad_")).isEmpty();
  }
}
