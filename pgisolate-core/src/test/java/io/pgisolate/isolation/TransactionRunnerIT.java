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
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.core.BaseConnection;
import org.postgresql.jdbc.AutoSave;

class TransactionRunnerIT {
  private static TempCluster cluster;
  private static PgServer server;
  private static final InitSource SCHEMA = InitSource.classpath("db/isolation/schema.sql");

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    server = cluster.server();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static TransactionRunner runner(int workers) {
    return TransactionRunner.start(server, "postgres", SCHEMA, workers);
  }

  @Test
  void everyTestStartsFromTheInitialStateAndReturnsItsResult() throws Exception {
    try (TransactionRunner runner = runner(3)) {
      List<CompletableFuture<Long>> results = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        results.add(
            runner.submit(
                c -> {
                  exec(c, "insert into note (body) values ('mine')");
                  return count(c, "select count(*) from note");
                }));
      }
      for (CompletableFuture<Long> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(2);
      }
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void codeUnderTestMayUseTransactionsAndSavepoints() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      long seen =
          runner.run(
              c -> {
                c.setAutoCommit(false);
                exec(c, "insert into note (body) values ('kept')");
                c.commit();
                exec(c, "insert into note (body) values ('undone')");
                c.rollback();
                Savepoint sp = c.setSavepoint();
                exec(c, "insert into note (body) values ('to savepoint')");
                c.rollback(sp);
                exec(c, "insert into note (body) values ('at the end')");
                c.setAutoCommit(true); // commits, as JDBC says
                assertThat(c.getAutoCommit()).isTrue();
                return count(c, "select count(*) from note");
              });
      assertThat(seen).isEqualTo(3); // seed, kept, at the end
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void committingAFailedTransactionRollsItBackAsPgjdbcDoes() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      long seen =
          runner.run(
              c -> {
                exec(c, "insert into note (body) values ('before')");
                c.setAutoCommit(false);
                exec(c, "insert into note (body) values ('in the failed transaction')");
                assertThatThrownBy(() -> exec(c, "select 1/0")).hasMessageContaining("division");
                c.commit(); // pgjdbc: the server answers ROLLBACK, no exception
                exec(c, "insert into note (body) values ('next transaction')");
                assertThatThrownBy(() -> exec(c, "select 1/0")).hasMessageContaining("division");
                c.setAutoCommit(true); // commits: the same
                assertThat(c.getAutoCommit()).isTrue();
                return count(c, "select count(*) from note");
              });
      assertThat(seen).isEqualTo(2); // the seed and 'before'
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void connectionSettingsATestChangesDoNotReachTheNextTest() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      runner.run(
          c -> {
            c.setNetworkTimeout(Runnable::run, 300);
            c.setHoldability(ResultSet.HOLD_CURSORS_OVER_COMMIT);
            PGConnection pg = c.unwrap(PGConnection.class);
            pg.setAutosave(AutoSave.ALWAYS);
            pg.setPrepareThreshold(1);
            pg.setDefaultFetchSize(3);
            pg.setAdaptiveFetch(true);
            exec(c, "declare left_open cursor with hold for select * from note");
            return null;
          });
      long seen =
          runner.run(
              c -> {
                assertThat(c.getNetworkTimeout()).isZero();
                assertThat(c.getHoldability()).isEqualTo(ResultSet.CLOSE_CURSORS_AT_COMMIT);
                PGConnection pg = c.unwrap(PGConnection.class);
                assertThat(pg.getAutosave()).isEqualTo(AutoSave.NEVER);
                assertThat(pg.getPrepareThreshold()).isEqualTo(5);
                assertThat(pg.getDefaultFetchSize()).isZero();
                assertThat(pg.getAdaptiveFetch()).isFalse();
                exec(c, "declare left_open cursor with hold for select * from note");
                exec(c, "select pg_sleep(0.6)"); // longer than the first test's network timeout
                return count(c, "select count(*) from note");
              });
      assertThat(seen).isEqualTo(1);
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void theMetadatasConnectionIsTheHandle() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      long seen =
          runner.run(
              c -> {
                Connection fromMetadata = c.getMetaData().getConnection();
                assertThat(fromMetadata).isSameAs(c);
                c.setAutoCommit(false);
                exec(c, "insert into note (body) values ('committed by the metadata')");
                fromMetadata.commit(); // onto a savepoint, as commit() on the handle is
                return count(c, "select count(*) from note");
              });
      assertThat(seen).isEqualTo(2);
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void aServersTransactionTimeoutsDoNotEndIdleWorkers() throws Exception {
    try (Connection admin = server.connect("postgres")) {
      exec(admin, "create database idle_timeouts");
      // As on a server configured against sessions left idle in a transaction.
      exec(admin, "alter database idle_timeouts set idle_in_transaction_session_timeout = '200ms'");
      exec(admin, "alter database idle_timeouts set transaction_timeout = '200ms'");
    }
    try {
      try (TransactionRunner runner = TransactionRunner.start(server, "idle_timeouts", SCHEMA, 1)) {
        TransactionRunner.Body<Long> notes = c -> count(c, "select count(*) from note");
        assertThat(runner.run(notes)).isEqualTo(1);
        Thread.sleep(700); // no test for a while: the worker waits, idle in its transaction
        assertThat(runner.run(notes)).isEqualTo(1);
        assertThat(runner.replacements()).isZero();
      }
    } finally {
      try (Connection admin = server.connect("postgres")) {
        exec(admin, "drop database idle_timeouts with (force)");
      }
    }
  }

  @Test
  void aCopyLeftUnfinishedByAFailingTestIsCancelledAndTheWorkerGoesOn() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      CompletableFuture<Object> failing =
          runner.submit(
              c -> {
                CopyIn in =
                    c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY note (body) FROM STDIN");
                byte[] row = "copied\n".getBytes(StandardCharsets.UTF_8);
                in.writeToCopy(row, 0, row.length);
                throw new AssertionError("failed mid-COPY");
              });
      // Bounded: the rollback after the test used to wait for the COPY for ever.
      assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS))
          .hasRootCauseMessage("failed mid-COPY");
      assertThat(
              runner.submit(c -> count(c, "select count(*) from note")).get(30, TimeUnit.SECONDS))
          .isEqualTo(1);
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void aHandleClosedWithAnOpenTransactionRollsItBack() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      Isolated test = runner.begin(Duration.ofSeconds(30));
      try (Connection other = test.dataSource().getConnection()) {
        other.setAutoCommit(false);
        exec(other, "insert into note (body) values ('left open')");
      }
      try (Connection c = test.connection()) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(1);
      }
      test.end(Outcome.passed("closed with a transaction open"));
    }
  }

  @Test
  void theDataSourceHandsOutHandlesOnTheSameTransaction() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      Isolated test = runner.begin(Duration.ofSeconds(30));
      DataSource ds = test.dataSource();
      try (Connection a = ds.getConnection()) {
        exec(a, "insert into note (body) values ('via a')");
      }
      try (Connection b = ds.getConnection()) {
        assertThat(count(b, "select count(*) from note")).isEqualTo(2);
      }
      assertThat(test.schema()).get().asString().startsWith("pgi_x_");
      assertThatThrownBy(test::jdbcUrl).hasMessageContaining("TRANSACTION isolation has no URL");
      assertThat(test.end(Outcome.passed("ds"))).isEmpty();
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    }
  }

  // --- bad input ---

  @Test
  void commitSentAsSqlFailsTheTestEvenWhenCaughtAndTheWorkerGoesOn() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      assertThatThrownBy(
              () ->
                  runner.run(
                      c -> {
                        exec(c, "insert into note (body) values ('escaping?')");
                        try {
                          exec(c, "COMMIT;");
                        } catch (SQLException e) {
                          assertThat(e.getSQLState()).isEqualTo("2D000");
                        }
                        return null;
                      }))
          .isInstanceOf(IsolationBrokenException.class)
          .hasMessageContaining("the test sent COMMIT as SQL ('COMMIT;')")
          .hasMessageContaining("Hint: use Connection.commit()");
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      assertThat(runner.replacements()).isZero();
      assertThatThrownBy(() -> runner.run(c -> c.prepareStatement("begin").execute()))
          .hasMessageContaining("the test sent BEGIN as SQL");
    }
  }

  @Test
  void commitAroundTheWrapperIsCaughtAfterTheTestAndCleanedUp() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      String schema = runner.run(c -> string(c, "select current_schema()"));
      assertThatThrownBy(
              () ->
                  runner.run(
                      c -> {
                        // pgjdbc's class, not its public interface: the deliberate way out
                        Connection real = c.unwrap(BaseConnection.class);
                        exec(real, "insert into note (body) values ('committed')");
                        exec(real, "commit");
                        exec(real, "begin");
                        // The runner's savepoint has a random name: setting one does not hide
                        // the new transaction.
                        exec(real, "savepoint pgi_test");
                        return null;
                      }))
          .isInstanceOf(IsolationBrokenException.class)
          .hasMessageContaining("was ended during the test")
          .hasMessageContaining("does not exist")
          .hasMessageContaining("do not send COMMIT");
      assertThat(runner.replacements()).isEqualTo(1);
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      try (Connection other = server.connect("postgres")) {
        assertThat(
                count(other, "select count(*) from pg_namespace where nspname = '" + schema + "'"))
            .as("the committed schema was dropped")
            .isZero();
      }
    }
  }

  @Test
  void closingTheHandedOutConnectionEndsOnlyTheHandle() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      assertThatThrownBy(
              () ->
                  runner.run(
                      c -> {
                        c.close();
                        return count(c, "select 1");
                      }))
          .hasMessageContaining("this connection was closed by the test");
      // A SQLException is unexpected: the worker was replaced, the runner goes on.
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void closingTheRealConnectionFailsTheTestAndReplacesTheWorker() throws Exception {
    try (TransactionRunner runner = runner(2)) {
      assertThatThrownBy(
              () ->
                  runner.run(
                      c -> {
                        c.unwrap(BaseConnection.class).close();
                        return null;
                      }))
          .isInstanceOf(IsolationBrokenException.class)
          .hasMessageContaining("was closed during the test")
          .hasMessageContaining("Hint: close only the handles pgisolate gives out");
      assertThat(runner.replacements()).isEqualTo(1);
      for (int i = 0; i < 4; i++) {
        assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      }
    }
  }

  @Test
  void droppingItsOwnSchemaIsRolledBack() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      assertThatThrownBy(
              () ->
                  runner.run(
                      c -> {
                        exec(c, "drop schema " + string(c, "select current_schema()") + " cascade");
                        return count(c, "select count(*) from note");
                      }))
          .hasMessageContaining("relation \"note\" does not exist");
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void anUnexpectedErrorReplacesTheWorkerAnAssertionDoesNot() throws Exception {
    try (TransactionRunner runner = runner(2)) {
      assertThatThrownBy(() -> runner.run(c -> fail(new AssertionError("expected to fail"))))
          .isInstanceOf(AssertionError.class);
      assertThat(runner.replacements()).isZero();
      assertThatThrownBy(() -> runner.run(c -> fail(new IllegalStateException("surprise"))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("surprise");
      assertThat(runner.replacements()).isEqualTo(1);
      List<CompletableFuture<Long>> rest = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        rest.add(runner.submit(c -> count(c, "select count(*) from note")));
      }
      for (CompletableFuture<Long> r : rest) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(1);
      }
    }
  }

  private static <T> T fail(Throwable t) throws Exception {
    if (t instanceof Error e) {
      throw e;
    }
    throw (Exception) t;
  }

  @Test
  void initialisationFailureHaltsTheRunnerAndFailsEveryTestFast() throws Exception {
    InitSource broken = InitSource.classpath("db/isolation/broken.sql");
    try (TransactionRunner runner = TransactionRunner.start(server, "postgres", broken, 2)) {
      List<CompletableFuture<Object>> queued = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        queued.add(runner.submit(c -> "never"));
      }
      for (CompletableFuture<Object> q : queued) {
        assertThatThrownBy(() -> q.get(30, TimeUnit.SECONDS))
            .hasMessageContaining("the TRANSACTION runner on database postgres halted")
            .hasMessageContaining("classpath:db/isolation/broken.sql failed")
            .hasMessageContaining("syntax error");
      }
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> runner.run(c -> "later")).hasMessageContaining("halted");
      assertThatThrownBy(() -> runner.begin(Duration.ofSeconds(30))).hasMessageContaining("halted");
      assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(1).toNanos());
    }
  }

  @Test
  void aTestEndedWhileItsStatementRunsOnAnotherThreadHasTheStatementCancelled() throws Exception {
    // As a test that timed out while its body, on a thread of its own, waits for the server.
    try (TransactionRunner runner = runner(1)) {
      Isolated test = runner.begin(Duration.ofSeconds(30));
      Connection c = test.connection();
      CompletableFuture<Void> body =
          CompletableFuture.runAsync(
              () -> {
                try {
                  exec(c, "select pg_sleep(20)");
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      try (Connection other = server.connect("postgres")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String sleeping =
            "select count(*) from pg_stat_activity where state = 'active'"
                + " and query = 'select pg_sleep(20)'";
        while (count(other, sleeping) == 0 && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        assertThat(count(other, sleeping)).isEqualTo(1);
      }
      long start = System.nanoTime();
      test.end(Outcome.failed(new AssertionError("timed out"), "slow"));
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMillis).as("end() took %d ms", tookMillis).isLessThan(10_000);
      assertThatThrownBy(() -> body.get(30, TimeUnit.SECONDS))
          .hasMessageContaining("canceling statement due to user request");
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void aBusyRunnerTimesOutWithItsState() {
    try (TransactionRunner runner = runner(1)) {
      Isolated first = runner.begin(Duration.ofSeconds(30));
      assertThatThrownBy(() -> runner.begin(Duration.ofMillis(200)))
          .hasMessageContaining("timed out after 200 ms waiting for a TRANSACTION worker")
          .hasMessageContaining("workers=1, ready=0, busy=1");
      first.end(Outcome.passed("first"));
      runner.begin(Duration.ofSeconds(30)).end(Outcome.passed("second"));
    }
  }

  @Test
  void closingTheRunnerFailsTheBodiesStillQueuedForASubmitter() throws Exception {
    TransactionRunner runner = runner(1);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Long> first =
        runner.submit(
            c -> {
              running.countDown();
              release.await(30, TimeUnit.SECONDS);
              return count(c, "select count(*) from note");
            });
    assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
    // One submitter thread per worker, and it is busy: these wait in the submitters' queue.
    List<CompletableFuture<Long>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(runner.submit(c -> count(c, "select count(*) from note")));
    }
    runner.close();
    release.countDown();
    for (CompletableFuture<Long> q : queued) {
      assertThatThrownBy(() -> q.get(10, TimeUnit.SECONDS))
          .hasRootCauseMessage("the transaction runner on postgres is closed.");
    }
    // The running body was interrupted (close stops the submitter threads); it completes too.
    assertThat(first.handle((value, e) -> e != null ? e : value).get(30, TimeUnit.SECONDS))
        .isInstanceOf(InterruptedException.class);
  }

  // --- recycling ---

  /**
   * The test schema, whose second initialisation (the first replacement) waits until {@link
   * #open()}: tests decide when a replacement is ready, without sleeping.
   */
  private static final class GatedSchema {
    final AtomicInteger initialisations = new AtomicInteger();
    private final CountDownLatch gate = new CountDownLatch(1);

    final InitSource source =
        InitSource.callback(
            "gated",
            "1",
            target -> {
              SCHEMA.apply(target);
              if (initialisations.incrementAndGet() == 2) {
                try {
                  gate.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });

    void open() {
      gate.countDown();
    }
  }

  @Test
  void aWorkerDueForRecyclingServesUntilItsFreshReplacementTakesOver() throws Exception {
    GatedSchema gated = new GatedSchema();
    try (TransactionRunner runner =
        TransactionRunner.start(server, "postgres", gated.source, 1, Recycling.afterTests(2))) {
      String first = runner.run(c -> string(c, "select current_schema()"));
      String table = "select pg_relation_size('note')";
      long clean = runner.run(c -> count(c, table));
      runner.run(
          c ->
              count(
                  c,
                  "insert into note (body) select 'dead' from generate_series(1, 1000)"
                      + " returning 1")); // due now
      // Its replacement initialises (held at the gate); meanwhile the old worker serves on.
      String third = runner.run(c -> string(c, "select current_schema()"));
      assertThat(third).isEqualTo(first);
      Isolated old = runner.begin(Duration.ofSeconds(30));
      assertThat(old.schema()).contains(first);
      try (Connection c = old.connection()) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(1);
        assertThat(count(c, table)).as("rolled-back rows stay, dead").isGreaterThan(clean);
      }
      gated.open();
      // The old worker is busy: the next test waits for the replacement, a schema of its own.
      Isolated fresh = runner.begin(Duration.ofSeconds(30));
      assertThat(fresh.schema()).isPresent().isNotEqualTo(old.schema());
      assertThat(runner.recycled()).isEqualTo(1);
      try (Connection c = fresh.connection()) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(1);
        assertThat(count(c, table)).as("a fresh worker's tables are clean").isEqualTo(clean);
      }
      fresh.end(Outcome.passed("fresh"));
      old.end(Outcome.passed("old")); // its replacement is ready: it is dropped
      Isolated next = runner.begin(Duration.ofSeconds(30));
      assertThat(next.schema()).isEqualTo(fresh.schema());
      assertThat(runner.state())
          .startsWith("workers=1, ready=0, busy=1")
          .contains("replaced=0, recycled=1");
      next.end(Outcome.passed("next"));
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void aWorkerDroppedWhileItsReplacementInitialisesIsNotReplacedTwice() throws Exception {
    GatedSchema gated = new GatedSchema();
    try (TransactionRunner runner =
        TransactionRunner.start(server, "postgres", gated.source, 1, Recycling.afterTests(2))) {
      runner.run(c -> null);
      runner.run(c -> null); // due: its replacement initialises, held at the gate
      assertThatThrownBy(() -> runner.run(c -> fail(new IllegalStateException("surprise"))))
          .hasMessage("surprise");
      gated.open(); // the replacement already on its way takes the dropped worker's place
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
      assertThat(runner.replacements()).isEqualTo(1);
      assertThat(runner.recycled()).isZero();
    }
    // close() waits for the initialiser: a second replacement would have been initialised.
    assertThat(gated.initialisations).hasValue(2);
  }

  // --- vacuuming: rolled-back rows removed while the worker's transaction stays open ---

  @Test
  void aWorkerWhoseScansSlowDownIsVacuumedNotReplaced() throws Exception {
    // Stands for a big schema: an initialisation worth 300 ms of slowdown before the worker is
    // due, so that the slowdown stands well above the machine's noise by then.
    InitSource slowToBuild =
        InitSource.callback(
            "slow-to-build",
            "1",
            target -> {
              SCHEMA.apply(target);
              exec(target.connection(), "select pg_sleep(0.3)");
            });
    String size = "select pg_relation_size('note')";
    String insert = "insert into note (body) select 'dead' from generate_series(1, 1000)";
    try (TransactionRunner runner =
        TransactionRunner.start(server, "postgres", slowToBuild, 1, Recycling.whenSlower())) {
      String schema = runner.run(c -> string(c, "select current_schema()"));
      long clean = runner.run(c -> count(c, size));
      long perTest =
          runner.run(
                  c -> {
                    exec(c, insert);
                    return count(c, size);
                  })
              - clean;
      Set<String> schemas = new HashSet<>();
      int tests = 0;
      // Each test scans, ten times, the rows every earlier test left (autovacuum does not visit):
      // the worker slows down until it is due, a couple of hundred tests in. Bounded: a runner
      // that never vacuums fails the assertions below after 1,000 tests.
      while (tests < 1_000 && runner.vacuums() < 2) {
        schemas.add(
            runner.run(
                c -> {
                  exec(c, insert);
                  for (int scan = 0; scan < 10; scan++) {
                    assertThat(count(c, "select count(*) from note")).isEqualTo(1001);
                  }
                  return string(c, "select current_schema()");
                }));
        tests++;
      }
      assertThat(runner.vacuums()).as("after %d tests", tests).isGreaterThanOrEqualTo(2);
      assertThat(runner.recycled()).as(runner.state()).isZero();
      assertThat(schemas).containsExactly(schema);
      // Without a vacuum, every test's 1,000 rows take new pages; vacuumed, the rows are gone and
      // the next tests fill the pages they took: the table stops growing.
      long vacuumed = runner.run(c -> count(c, size));
      for (int i = 0; i < 100; i++) {
        runner.run(
            c -> {
              exec(c, insert);
              return null;
            });
      }
      long grown = runner.run(c -> count(c, size)) - vacuumed;
      assertThat(grown).as("%d bytes per test unvacuumed", perTest).isLessThan(100 * perTest / 4);
      assertThat(runner.recycled()).isZero();
      try (Connection other = server.connect("postgres");
          PreparedStatement ps =
              other.prepareStatement(
                  "select vacuum_count from pg_stat_all_tables"
                      + " where schemaname = ? and relname = 'note'")) {
        ps.setString(1, schema);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(2);
        }
      }
    }
  }

  @Test
  void aVacuumSkipsATableThatATestHoldsLockedAndDoesNotBlockTheTest() throws Exception {
    InitSource twoTables =
        InitSource.callback(
            "two-tables",
            "1",
            target -> {
              SCHEMA.apply(target);
              exec(target.connection(), "create table other (id int)");
            });
    try (TransactionRunner runner =
        TransactionRunner.start(server, "postgres", twoTables, 1, Recycling.never())) {
      SchemaVacuum.Result result =
          runner.run(
              c -> {
                exec(c, "insert into note (body) values ('mine')");
                exec(c, "lock table note in access exclusive mode");
                // The vacuum is due while this test holds the lock: it gives up on that table
                // after its lock_timeout, vacuums the rest, and the test goes on.
                SchemaVacuum.Result r =
                    runner
                        .vacuumInBackground(string(c, "select current_schema()"))
                        .get(30, TimeUnit.SECONDS);
                assertThat(count(c, "select count(*) from note")).isEqualTo(2);
                return r;
              });
      assertThat(result.skipped()).containsExactly("note");
      assertThat(result.vacuumed()).containsExactly("other");
      assertThat(runner.vacuums()).isEqualTo(1);
      long after = runner.run(c -> count(c, "select count(*) from note"));
      assertThat(after).isEqualTo(1);
    }
  }

  @Test
  void closingTheRunnerStopsAVacuumAndWaitsForIt() throws Exception {
    CompletableFuture<SchemaVacuum.Result> vacuum;
    try (TransactionRunner runner =
        TransactionRunner.start(server, "postgres", SCHEMA, 1, Recycling.never())) {
      String schema = runner.run(c -> string(c, "select current_schema()"));
      vacuum = runner.vacuumInBackground(schema);
    }
    // Cancelled or finished, it is over before close() returns: it does not outlive the runner.
    assertThat(vacuum).isDone();
  }

  // --- what it does not isolate ---

  @Test
  void sequencesAndSessionAdvisoryLocksOutliveTheRollbackSettingsDoNot() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      long first = runner.run(c -> count(c, "insert into note (body) values ('a') returning id"));
      long second = runner.run(c -> count(c, "insert into note (body) values ('b') returning id"));
      assertThat(second).as("sequences are not rolled back").isEqualTo(first + 1);

      runner.run(c -> string(c, "select pg_advisory_lock(4242)"));
      try (Connection other = server.connect("postgres")) {
        assertThat(string(other, "select pg_try_advisory_lock(4242)"))
            .as("a session advisory lock stays with the worker")
            .isEqualTo("f");
      }

      runner.run(
          c -> {
            exec(c, "set statement_timeout = '7s'");
            return null;
          });
      String timeout = runner.run(c -> string(c, "show statement_timeout"));
      assertThat(timeout).as("SET is transactional: rolled back").isEqualTo("0");

      long listening =
          runner.run(
              c -> {
                exec(c, "set session characteristics as transaction isolation level serializable");
                exec(c, "prepare left_prepared as select 1");
                exec(c, "listen chan");
                return count(c, "select count(*) from pg_listening_channels()");
              });
      assertThat(listening).as("LISTEN takes effect at commit: never").isZero();
      runner.run(
          c -> {
            assertThat(string(c, "show default_transaction_isolation"))
                .as("SET SESSION CHARACTERISTICS is a SET: rolled back")
                .isEqualTo("read committed");
            assertThat(count(c, "select count(*) from pg_prepared_statements"))
                .as("PREPARE is not transactional: it stays")
                .isEqualTo(1);
            return null;
          });
    }
  }

  @Test
  void otherSessionsSeeTheCommittedInitialStateButNothingOfATest() throws Exception {
    try (TransactionRunner runner = runner(1)) {
      Isolated test = runner.begin(Duration.ofSeconds(30));
      String schema = test.schema().orElseThrow();
      try (Connection c = test.connection()) {
        assertThat(schema).endsWith("_pid" + string(c, "select pg_backend_pid()"));
        exec(c, "insert into note (body) values ('invisible')");
        exec(c, "create table made_by_the_test (id int)");
        assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      }
      try (Connection other = server.connect("postgres")) {
        assertThat(count(other, "select count(*) from " + schema + ".note"))
            .as("the schema and the init source's seed row are committed")
            .isEqualTo(1);
        assertThat(
                count(
                    other,
                    "select count(*) from pg_tables where schemaname = '"
                        + schema
                        + "' and tablename = 'made_by_the_test'"))
            .isZero();
      }
      test.end(Outcome.passed("invisible"));
    }
  }

  // --- the worker's schema, committed: dropped at its end, or by the next runner's sweep ---

  @Test
  void closingTheRunnerLeavesNoSchemaBehind() throws Exception {
    Set<String> seen = new HashSet<>();
    String runnerPrefix;
    try (TransactionRunner runner =
        TransactionRunner.start(server, "postgres", SCHEMA, 2, Recycling.afterTests(3))) {
      // Until a replacement, initialised in the background, has taken a recycled worker's place:
      // bounded by time, not by a number of tests, which a slow initialisation can outlast.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (runner.recycled() == 0 && System.nanoTime() < deadline) {
        seen.add(runner.run(c -> string(c, "select current_schema()")));
      }
      assertThat(runner.recycled()).isPositive();
      assertThatThrownBy(() -> runner.run(c -> fail(new IllegalStateException("surprise"))))
          .hasMessage("surprise");
      seen.add(runner.run(c -> string(c, "select current_schema()")));
      assertThat(runner.replacements()).isEqualTo(1);
      runnerPrefix = seen.iterator().next().replaceFirst("_[0-9]+_pid[0-9]+$", "_");
      assertThat(seen).allMatch(s -> s.startsWith(runnerPrefix));
    }
    assertThat(schemasStartingWith(runnerPrefix)).isEmpty();
  }

  @Test
  void theSchemaOfAWorkerWhoseBackendDiedIsDroppedByTheNextRunner() throws Exception {
    try (TransactionRunner dead = runner(1)) {
      Isolated test = dead.begin(Duration.ofSeconds(30));
      String schema = test.schema().orElseThrow();
      String pid;
      try (Connection c = test.connection()) {
        pid = string(c, "select pg_backend_pid()");
      }
      test.end(Outcome.passed("before the crash"));
      // As if its JVM had been killed: the backend goes, the runner never ends the worker.
      try (Connection admin = server.connect("postgres")) {
        assertThat(string(admin, "select pg_terminate_backend(" + pid + ", 10000)")).isEqualTo("t");
      }
      assertThat(schemasStartingWith(schema)).as("committed: it outlives its backend").hasSize(1);
      try (TransactionRunner next = runner(1)) {
        assertThat(countIn(next, "select count(*) from note")).isEqualTo(1);
        assertThat(schemasStartingWith(schema)).as("swept before its first worker").isEmpty();
      }
    }
  }

  @Test
  void aSecondRunnersSweepLeavesALiveRunnersSchemasAlone() throws Exception {
    try (TransactionRunner live = runner(2)) {
      Isolated busy = live.begin(Duration.ofSeconds(30));
      Isolated idle = live.begin(Duration.ofSeconds(30));
      String busySchema = busy.schema().orElseThrow();
      String idleSchema = idle.schema().orElseThrow();
      idle.end(Outcome.passed("idle during the sweep"));
      try (Connection c = busy.connection()) {
        exec(c, "insert into note (body) values ('during the sweep')");
      }
      try (TransactionRunner second = runner(1)) {
        assertThat(countIn(second, "select count(*) from note")).isEqualTo(1);
        assertThat(schemasStartingWith(busySchema)).hasSize(1);
        assertThat(schemasStartingWith(idleSchema)).hasSize(1);
      }
      try (Connection c = busy.connection()) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      }
      busy.end(Outcome.passed("busy during the sweep"));
      assertThat(live.replacements()).isZero();
      for (int i = 0; i < 4; i++) {
        assertThat(countIn(live, "select count(*) from note")).isEqualTo(1);
      }
    }
  }

  private static List<String> schemasStartingWith(String prefix) throws SQLException {
    List<String> found = new ArrayList<>();
    try (Connection c = server.connect("postgres");
        PreparedStatement ps =
            c.prepareStatement(
                "select nspname from pg_namespace where starts_with(nspname, ?) order by 1")) {
      ps.setString(1, prefix);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
    }
    return found;
  }

  @Test
  void flywayMigrationsBuildTheWorkersSchema() throws Exception {
    InitSource flyway = InitSource.flyway("classpath:db/migration");
    try (TransactionRunner runner = TransactionRunner.start(server, "postgres", flyway, 1)) {
      assertThat(countIn(runner, "select count(*) from item")).isEqualTo(2);
    }
  }
}
