package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started on the socket of one that is stopping: the stopping one removes its socket and
 * lock file at the end, while the new one starts. The new one must neither take the stopping one
 * for a live server nor end up beside it, and the stopping one must not remove the new one's files.
 */
class RestartIT {
  static final Duration BOUND = Duration.ofSeconds(60);
  static TempCluster cluster;

  @TempDir Path dir;

  @BeforeAll
  static void startCluster() {
    cluster = TempCluster.builder().start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  /**
   * Server A (--create) is told to stop and is held, deterministically, where it drops its
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
