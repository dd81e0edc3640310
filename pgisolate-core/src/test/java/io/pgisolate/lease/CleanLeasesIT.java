package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.InitSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
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

  LeaseServer serveSchema(String prefix, int count, Path schema) {
    return serveSchema(prefix, count, InitSource.sql(schema));
  }

  LeaseServer serveSchema(String prefix, int count, InitSource schema) {
    return LeaseServer.start(
        new LeaseSettings(prefix, count, dir.resolve(prefix + ".sock"))
            .withDatabases(
                Optional.of(
                    new LeaseDatabases(
                        cluster.uri(), Optional.empty(), Optional.of(schema), true, true))));
  }

  static DatabaseLease lease(LeaseServer server) {
    return DatabaseLease.builder().socket(server.socket()).timeout(BOUND).acquire();
  }

  /**
   * The schema file edited while the server runs: every lease asked for after the save is a copy of
   * the new schema, though free databases and clones made ahead were copies of the old one; the
   * database leased before the save keeps its content until it is released.
   */
  @Test
  void aSchemaEditedWhileServingReachesEveryLeaseAskedForAfterTheSave() throws Exception {
    Path schema = Files.writeString(dir.resolve("schema.sql"), "create table v1 (x int);\n");
    try (LeaseServer server = serveSchema("edit_", 3, schema)) {
      DatabaseLease before = lease(server);
      assertThat(tables(before.name())).containsExactly("v1");
      sql(cluster.jdbcUrl(before.name()), "insert into v1 values (1)");
      Files.writeString(schema, "create table v1 (x int);\ncreate table v2 (x int);\n");
      for (int i = 0; i < 10; i++) { // the 2 free databases, and more than the clones made ahead
        try (DatabaseLease lease = lease(server)) {
          assertThat(tables(lease.name())).as("lease %d after the save", i).contains("v2");
        }
      }
      assertThat(query(cluster.jdbcUrl(before.name()), "select count(*) from v1"))
          .as("leased before the save, untouched")
          .containsExactly("1");
      before.close();
      try (DatabaseLease a = lease(server);
          DatabaseLease b = lease(server);
          DatabaseLease c = lease(server)) {
        for (DatabaseLease l : List.of(a, b, c)) {
          assertThat(tables(l.name())).as(l.name()).containsExactly("v1", "v2");
        }
      }
      assertThat(server.pool().awaitState(s -> s.recycling().isEmpty(), BOUND)).isTrue();
      server.pool().checkInvariant();
    }
    assertThat(databases("edit_")).isEmpty();
    assertThat(databases(PoolDatabases.CLONE_PREFIX)).as("clones left").isEmpty();
  }

  /**
   * A save that does not build (an SQL error): leases go on, copies of the last schema that built,
   * and the fix reaches the next lease asked for.
   */
  @Test
  void aBrokenEditKeepsLeasesComingFromTheLastSchemaThatBuiltAndTheFixReachesTheNextLease()
      throws Exception {
    Path schema = Files.writeString(dir.resolve("schema.sql"), "create table v1 (x int);\n");
    try (LeaseServer server = serveSchema("broken_", 2, schema)) {
      Files.writeString(schema, "create table v1 (x int);\ncreate tabel v2 (x int);\n");
      for (int i = 0; i < 4; i++) {
        try (DatabaseLease lease = lease(server)) {
          assertThat(tables(lease.name()))
              .as("lease %d after the broken save", i)
              .containsExactly("v1");
        }
      }
      Files.writeString(schema, "create table v1 (x int);\ncreate table v3 (x int);\n");
      for (int i = 0; i < 4; i++) {
        try (DatabaseLease lease = lease(server)) {
          assertThat(tables(lease.name()))
              .as("lease %d after the fix", i)
              .containsExactly("v1", "v3");
        }
      }
    }
    assertThat(databases("broken_")).isEmpty();
  }

  /** A migration added while the server runs reaches the next lease, as an edited file does. */
  @Test
  void aFlywayMigrationAddedWhileServingReachesTheNextLease() throws Exception {
    Path migrations = Files.createDirectory(dir.resolve("migration"));
    Files.writeString(migrations.resolve("V1__one.sql"), "create table v1 (x int);\n");
    try (LeaseServer server =
        serveSchema("flyway_", 2, InitSource.flyway("filesystem:" + migrations))) {
      try (DatabaseLease lease = lease(server)) {
        assertThat(tables(lease.name())).contains("v1").doesNotContain("v2");
      }
      Files.writeString(migrations.resolve("V2__two.sql"), "create table v2 (x int);\n");
      for (int i = 0; i < 3; i++) {
        try (DatabaseLease lease = lease(server)) {
          assertThat(tables(lease.name())).as("lease %d after the save", i).contains("v1", "v2");
        }
      }
    }
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

  /**
   * A server started on the socket of one that is stopping (which removes its socket and lock file
   * at the end) must neither take the stopping one for a live server nor end up beside it, and the
   * stopping one must not remove the new one's files.
   *
   * <p>Server A (--create) is told to stop and is held, deterministically, where it drops its
   * databases: this test's transaction holds a lock on one that DROP DATABASE waits for. Server B
   * starts meanwhile on the same socket; A finishes once the transaction ends, removing its socket
   * and lock file as it exits.
   */
  @Test
  void aServerStartedWhileAnotherStopsOnItsSocketWaitsForItThenServesAlone() throws Exception {
    Path socket = dir.resolve("run/pgm.sock");
    try (ChildClients children = new ChildClients();
        Connection holder = DriverManager.getConnection(cluster.jdbcUrl())) {
      ChildClients.Child a =
          children.startMain(
              ServerMain.class, socket.toString(), "a", "1", "--create=" + cluster.uri());
      assertThat(a.awaitLease(BOUND)).isEqualTo("ready");
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.execute("comment on database a0 is 'held by the test'"); // locks a0 till the rollback
      }
      a.process.getOutputStream().close(); // A stops: disconnects, then drops a0 and waits
      awaitDropWaiting("a0");

      Path lockFile = socket.resolveSibling("pgm.sock.lock");
      CompletableFuture<LeaseServer> b =
          CompletableFuture.supplyAsync(() -> LeaseServer.start(new LeaseSettings("b", 1, socket)));
      awaitWaitingOrDone(lockFile, b);
      if (b.isDone()) {
        b.join(); // throws B's error: it took the stopping A for a live server
      }
      holder.rollback(); // A drops a0, removes its socket and lock file, exits
      assertThat(a.process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(a.process.exitValue()).as("A's exit").isZero();
      try (LeaseServer server = b.get(BOUND.toSeconds(), TimeUnit.SECONDS)) {
        // (The lock file is not read here: closing a descriptor of it would drop B's lock.)
        assertThat(socket).as("B's socket, after A's exit").exists();
        assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("c", 1, socket)))
            .as("the lock file at the path is B's")
            .hasMessageStartingWith(
                "a lease server is already running on "
                    + socket
                    + " (pid "
                    + ProcessHandle.current().pid()
                    + " holds "
                    + lockFile
                    + "). Hint:");
        try (TestClient c = TestClient.connect(socket)) {
          assertThat(c.awaitLease(BOUND)).as("B serves, not A").contains("b0");
        }
      }
    }
  }

  /**
   * Waits (bounded) until this process waits for the lock on {@code lockFile} (a "->" line of
   * /proc/locks with its pid and the file's inode), or {@code start} has ended.
   */
  private static void awaitWaitingOrDone(Path lockFile, CompletableFuture<?> start)
      throws Exception {
    Object inode = Files.getAttribute(lockFile, "unix:ino"); // a stat: no descriptor opened
    Pattern waiter =
        Pattern.compile(
            "->.*\\s" + ProcessHandle.current().pid() + "\\s+[0-9a-f]+:[0-9a-f]+:" + inode + "\\s");
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!start.isDone()
        && Files.readAllLines(Path.of("/proc/locks")).stream()
            .noneMatch(l -> waiter.matcher(l).find())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("B neither waited for the lock nor ended within " + BOUND);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polls the kernel's lock table
    }
  }

  /** Waits (bounded) until a DROP DATABASE of {@code database} waits for a lock. */
  private static void awaitDropWaiting(String database) throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    try (Connection c = DriverManager.getConnection(cluster.jdbcUrl());
        Statement s = c.createStatement()) {
      while (true) {
        try (ResultSet rs =
            s.executeQuery(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                    + " and query ilike 'drop database%"
                    + database
                    + "%'")) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no DROP DATABASE of " + database + " waited within " + BOUND);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polls another process
      }
    }
  }
}
