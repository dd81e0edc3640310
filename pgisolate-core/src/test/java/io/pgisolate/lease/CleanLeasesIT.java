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
