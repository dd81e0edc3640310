package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --backend}: lease servers (one per machine, here one per socket and one in a child
 * process) share one pool through advisory locks on a real PostgreSQL.
 */
class AdvisoryLeaseBackendIT {
  static final Duration BOUND = Duration.ofSeconds(30);
  static TempCluster cluster;

  @TempDir Path dir;
  LeaseServer a;
  LeaseServer b;

  @BeforeAll
  static void startCluster() {
    cluster = TempCluster.builder().start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @AfterEach
  void stopServers() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    assertThat(advisoryLocks()).as("advisory locks left on the backend").isZero();
  }

  LeaseServer serve(String socket, int count) {
    return serveOn(cluster, socket, count);
  }

  LeaseServer serveOn(TempCluster backend, String socket, int count) {
    return LeaseServer.start(
        new LeaseSettings("shared_", count, dir.resolve(socket), Optional.of(backend.uri())));
  }

  static long advisoryLocks() throws Exception {
    try (Connection c = cluster.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("select count(*) from pg_locks where locktype = 'advisory'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void twoServersNeverHandOutTheSameDatabaseAndWaitersGetWhatTheOtherReleases() throws Exception {
    a = serve("a.sock", 2);
    b = serve("b.sock", 2);
    // One client at a time: the two servers race for databases, so order them by waiting.
    try (TestClient a1 = TestClient.connect(a.socket())) {
      assertThat(a1.awaitLease(BOUND)).contains("shared_0");
      try (TestClient b1 = TestClient.connect(b.socket())) {
        assertThat(b1.awaitLease(BOUND)).contains("shared_1"); // shared_0 is A's
        try (TestClient a2 = TestClient.connect(a.socket())) {
          assertThat(a.pool().awaitState(s -> s.waiting().size() == 1, BOUND)).isTrue();
          assertThat(advisoryLocks()).isEqualTo(2);
          b1.close(); // B unlocks shared_1; A's waiter takes it at its next retry
          assertThat(a2.awaitLease(BOUND)).contains("shared_1");
        }
      }
    }
  }

  @Test
  void aServerKilledWithSigkillGivesItsDatabasesBackThroughItsSession() throws Exception {
    Path childSocket = dir.resolve("child.sock");
    b = serve("b.sock", 2);
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child server =
          children.startMain(
              ServerMain.class, childSocket.toString(), "shared_", "2", cluster.uri());
      assertThat(server.awaitLease(BOUND)).isEqualTo("ready");
      ChildClients.Child holder = children.start(childSocket); // a client process of the child
      assertThat(holder.awaitLease(BOUND)).isEqualTo("OK:shared_0");
      ChildClients.Child other = children.start(b.socket());
      assertThat(other.awaitLease(BOUND)).isEqualTo("OK:shared_1");
      try (TestClient waiter = TestClient.connect(b.socket())) {
        assertThat(b.pool().awaitState(s -> s.waiting().size() == 1, BOUND)).isTrue();
        server.kill(); // its PostgreSQL session ends, and with it the lock on shared_0
        assertThat(waiter.awaitLease(BOUND)).contains("shared_0");
      }
      holder.kill();
      other.kill();
    }
    assertThat(b.pool().awaitState(s -> s.leased().isEmpty(), BOUND)).isTrue();
  }

  @Test
  void aBackendsIdleSessionTimeoutDoesNotEndTheSessionThatHoldsALease() throws Exception {
    try (TempCluster strict =
            TempCluster.builder().setting("idle_session_timeout", "300ms").start();
        LeaseServer first = serveOn(strict, "first.sock", 1);
        TestClient holder = TestClient.connect(first.socket())) {
      assertThat(holder.awaitLease(BOUND)).contains("shared_0");
      Thread.sleep(1000); // the scenario: the lock's session stays idle past the timeout
      try (LeaseServer second = serveOn(strict, "second.sock", 1);
          TestClient other = TestClient.connect(second.socket())) {
        // The request was tried against the backend as it arrived: still refused, it waits.
        assertThat(second.pool().awaitState(s -> s.waiting().size() == 1, BOUND))
            .as("the second server waits rather than hand out shared_0 a second time")
            .isTrue();
        assertThat(second.pool().snapshot().leased()).isEmpty();
      }
    }
  }

  @Test
  void aLeaseWhoseLockSessionTheBackendEndedIsLockedAgainBeforeAnotherServerTakesIt()
      throws Exception {
    a = serve("a.sock", 1);
    try (TestClient holder = TestClient.connect(a.socket())) {
      assertThat(holder.awaitLease(BOUND)).contains("shared_0");
      // What a backend restart or an administrator's pg_terminate_backend does to that session.
      assertThat(terminateLockHolders()).isEqualTo(1);
      awaitAdvisoryLocks(1); // taken again by a session of A's own
      b = serve("b.sock", 1);
      try (TestClient other = TestClient.connect(b.socket())) {
        assertThat(b.pool().awaitState(s -> s.waiting().size() == 1, BOUND))
            .as("B waits rather than hand out shared_0 a second time")
            .isTrue();
      }
    }
  }

  static int terminateLockHolders() throws Exception {
    try (Connection c = cluster.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select count(pg_terminate_backend(pid)) from pg_locks"
                    + " where locktype = 'advisory'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static void awaitAdvisoryLocks(long count) throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (advisoryLocks() != count) {
      assertThat(System.nanoTime()).as("advisory locks back to " + count).isLessThan(deadline);
      Thread.sleep(20); // polls another process's state: nothing to wait on
    }
  }

  @Test
  void resetOrCreateWithABackendIsRefusedRatherThanDropADatabaseAnotherServerLeases()
      throws Exception {
    try (Connection admin = cluster.dataSource().getConnection();
        Statement s = admin.createStatement()) {
      s.execute("create database shared_0");
    }
    try {
      a = serve("a.sock", 1);
      try (TestClient holder = TestClient.connect(a.socket());
          Connection inUse = cluster.dataSource("shared_0").getConnection()) {
        assertThat(holder.awaitLease(BOUND)).contains("shared_0");
        for (boolean create : new boolean[] {true, false}) {
          LeaseDatabases databases =
              new LeaseDatabases(cluster.uri(), Optional.empty(), create, !create);
          assertThatThrownBy(
                  () ->
                      b =
                          LeaseServer.start(
                              new LeaseSettings(
                                      "shared_",
                                      1,
                                      dir.resolve("b.sock"),
                                      Optional.of(cluster.uri()))
                                  .withDatabases(Optional.of(databases))))
              .hasMessage(
                  "--create and --reset cannot be used with --backend: they would drop databases"
                      + " that the lease servers of other machines lease. Hint: make the databases"
                      + " once (e.g. pgisolate wrap-each -- createdb) and serve them with --backend"
                      + " alone.");
        }
        assertThat(inUse.isValid(5)).as("the client's session on its leased database").isTrue();
      }
    } finally {
      try (Connection admin = cluster.dataSource().getConnection();
          Statement s = admin.createStatement()) {
        s.execute("drop database if exists shared_0 with (force)");
      }
    }
  }

  @Test
  void anUnreachableBackendIsOneLineWithAHintAndNoPassword() {
    assertThatThrownBy(
            () ->
                LeaseServer.start(
                    new LeaseSettings(
                        "shared_",
                        2,
                        dir.resolve("x.sock"),
                        Optional.of("postgres://ci:s3cret@127.0.0.1:1/postgres"))))
        .hasMessageStartingWith(
            "cannot reach the lease backend postgres://ci:***@127.0.0.1:1/postgres: ")
        .hasMessageEndingWith(
            ". Hint: check --backend (postgres://user:password@host:port/database).")
        .hasMessageNotContaining("..") // pgjdbc's "refused. Check that …" ends in a full stop
        .message()
        .doesNotContain("s3cret");
    assertThat(dir.resolve("x.sock")).doesNotExist();
  }
}
