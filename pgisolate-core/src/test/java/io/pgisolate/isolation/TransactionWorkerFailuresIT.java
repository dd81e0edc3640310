package io.pgisolate.isolation;

import static io.pgisolate.isolation.Db.count;
import static io.pgisolate.isolation.Db.countIn;
import static io.pgisolate.isolation.Db.exec;
import static io.pgisolate.isolation.Db.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.InitSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Workers that fail at the database's end: their connection breaks, their replacement cannot start.
 */
class TransactionWorkerFailuresIT {
  private static final InitSource SCHEMA = InitSource.classpath("db/isolation/schema.sql");
  private static TempCluster cluster;
  private static PgServer server;
  private String database;

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    server = cluster.server();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @BeforeEach
  void createDatabase(TestInfo info) throws Exception {
    database = "failures_" + Integer.toHexString(info.getDisplayName().hashCode());
    try (Connection admin = server.connect("postgres")) {
      exec(admin, "create database " + database);
    }
  }

  @AfterEach
  void dropDatabase() throws Exception {
    try (Connection admin = server.connect("postgres")) {
      exec(admin, "drop database " + database + " with (force)");
    }
  }

  private void allowConnections(boolean allow) throws Exception {
    try (Connection admin = server.connect("postgres")) {
      exec(admin, "alter database " + database + " with allow_connections " + allow);
    }
  }

  /** Once both of its workers are ready. */
  private static void awaitBothWorkers(TransactionRunner runner) {
    Isolated first = runner.begin(Duration.ofSeconds(30));
    Isolated second = runner.begin(Duration.ofSeconds(30));
    first.end(Outcome.passed("first"));
    second.end(Outcome.passed("second"));
  }

  private static void breakAWorker(TransactionRunner runner) {
    assertThatThrownBy(() -> runner.run(c -> fail(new IllegalStateException("surprise"))))
        .hasMessage("surprise");
  }

  private static Object fail(RuntimeException e) {
    throw e;
  }

  /** Waits, at most 30 s, until the runner's state line says so. */
  private static void awaitState(TransactionRunner runner, Predicate<String> condition)
      throws Exception {
    awaitState(runner, condition, false);
  }

  /**
   * As {@link #awaitState(TransactionRunner, Predicate)}; {@code arriving}: running a test now and
   * then, as a worker given up on is tried again only when a test arrives.
   */
  private static void awaitState(
      TransactionRunner runner, Predicate<String> condition, boolean arriving) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.test(runner.state()) && System.nanoTime() < deadline) {
      if (arriving) {
        assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
    assertThat(runner.state()).matches(condition);
  }

  @Test
  void aReplacementThatCannotConnectYetIsRetriedWhileTheOtherWorkerGoesOn() throws Exception {
    List<Duration> retries =
        List.of(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
    try (TransactionRunner runner =
        TransactionRunner.start(server, database, SCHEMA, 2, Recycling.never(), retries)) {
      awaitBothWorkers(runner);
      allowConnections(false); // as a database restarting, or out of connection slots
      breakAWorker(runner);
      awaitState(runner, s -> s.contains("attempt 1 of 4 failed"));
      assertThat(runner.state())
          .contains("worker 3 could not start")
          .contains("is not currently accepting connections")
          .doesNotContain("halted");
      // The other worker serves on meanwhile.
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      allowConnections(true);
      // The next attempt, a second later, succeeds.
      awaitBothWorkers(runner);
      assertThat(runner.state()).doesNotContain("could not start");
    }
  }

  /**
   * A runner of two workers, retrying a replacement twice 10 ms apart, that gave up on one: the
   * database refuses connections.
   */
  private TransactionRunner aWorkerShort() throws Exception {
    List<Duration> retries = List.of(Duration.ofMillis(10), Duration.ofMillis(10));
    TransactionRunner runner =
        TransactionRunner.start(server, database, SCHEMA, 2, Recycling.never(), retries);
    awaitBothWorkers(runner);
    allowConnections(false);
    breakAWorker(runner);
    awaitState(runner, s -> s.contains("gave up"));
    return runner;
  }

  @Test
  void aReplacementThatKeepsFailingLeavesTheRunnerAWorkerShortAndLosingTheLastHaltsIt()
      throws Exception {
    try (TransactionRunner runner = aWorkerShort()) {
      assertThat(runner.state())
          .contains("1 of 2 workers")
          .contains("worker 3 could not start (3 attempts; gave up")
          .doesNotContain("halted");
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      breakAWorker(runner);
      assertThatThrownBy(() -> runner.run(c -> "never"))
          .hasMessageContaining("the TRANSACTION runner on database " + database + " halted")
          .hasMessageContaining("no worker left")
          .hasMessageContaining("could not start (")
          .hasMessageContaining("is not currently accepting connections");
    }
  }

  @Test
  void aWorkerGivenUpOnIsStartedAgainWhenATestArrivesOnceTheServerIsBack() throws Exception {
    try (TransactionRunner runner = aWorkerShort()) {
      // Tests arriving while the server still refuses: one more try, given up on again.
      awaitState(runner, s -> s.contains("worker 4 could not start (tried again; gave up"), true);
      assertThat(runner.state()).contains("1 of 2 workers").doesNotContain("halted");
      allowConnections(true);
      // Tests arriving now bring the runner back to two workers.
      awaitState(runner, s -> s.contains("ready=2"), true);
      assertThat(runner.state()).doesNotContain("could not start");
      awaitBothWorkers(runner);
    }
  }

  @Test
  void aWorkerWhoseConnectionBrokeMidStatementIsEndedPromptly() throws Exception {
    try (TransactionRunner runner = TransactionRunner.start(server, database, SCHEMA, 1)) {
      String[] schemaAndPid = new String[2];
      assertThatThrownBy(
              () ->
                  runner.run(
                      c -> {
                        schemaAndPid[0] = string(c, "select current_schema()");
                        schemaAndPid[1] = string(c, "select pg_backend_pid()");
                        exec(c, "insert into note (body) values ('locks note')");
                        // pgjdbc gives up on the statement after 300 ms and closes its socket; the
                        // backend sleeps on, holding the test's locks.
                        c.setNetworkTimeout(Runnable::run, 300);
                        exec(c, "select pg_sleep(120)");
                        return null;
                      }))
          .isInstanceOf(IsolationBrokenException.class)
          .hasMessageContaining("the connection of worker 1 was closed during the test");
      long start = System.nanoTime();
      // Its replacement initialises after the broken worker's schema is dropped.
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMillis).as("the next test waited %d ms", tookMillis).isLessThan(10_000);
      try (Connection other = server.connect(database)) {
        assertThat(
                count(
                    other,
                    "select count(*) from pg_namespace where nspname = '" + schemaAndPid[0] + "'"))
            .isZero();
        assertThat(
                count(
                    other, "select count(*) from pg_stat_activity where pid = " + schemaAndPid[1]))
            .as("the old backend was ended")
            .isZero();
      }
    }
  }
}
