package io.pgisolate.junit5;

import static io.pgisolate.junit5.ExtensionBehaviourIT.message;
import static io.pgisolate.junit5.ExtensionBehaviourIT.run;
import static io.pgisolate.junit5.PgIsolatedIT.count;
import static io.pgisolate.junit5.PgIsolatedIT.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.isolation.IsolationMode;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * Each isolation mode in JUnit's shapes of test: constructor, @BeforeEach and @AfterEach injection,
 * repeated and parameterized tests, parallel execution with more tests than TRANSACTION
 * workers, @Nested classes of other modes, and tests that time out.
 */
class JupiterShapesIT {

  private static void assertPassed(EngineExecutionResults results, int tests) {
    assertThat(results.allEvents().failed().stream().map(e -> message(e)).toList()).isEmpty();
    results.testEvents().assertStatistics(s -> s.started(tests).succeeded(tests));
  }

  /**
   * Every shape of test; the subclasses choose the mode. The constructor, the @BeforeEach method
   * and the test each add a row to the template's one: four rows in every test, whatever ran before
   * it, so each test's rows are gone before the next.
   */
  abstract static class EveryShape {
    private final String constructed;
    private String beforeEach;

    EveryShape(Connection c, PgDatabase db) throws Exception {
      constructed = db.name() + db.schema();
      c.createStatement().execute("insert into note (body) values ('constructor')");
    }

    @BeforeEach
    void seed(Connection c, PgDatabase db) throws Exception {
      beforeEach = db.name() + db.schema();
      assertThat(beforeEach).isEqualTo(constructed);
      c.createStatement().execute("insert into note (body) values ('before each')");
    }

    @AfterEach
    void after(Connection c, PgDatabase db) throws Exception {
      assertThat(db.name() + db.schema()).isEqualTo(beforeEach);
      assertThat(count(c, "select count(*) from note")).isEqualTo(4);
    }

    private void body(Connection c, PgDatabase db, String row) throws Exception {
      assertThat(db.name() + db.schema()).isEqualTo(beforeEach);
      c.createStatement().execute("insert into note (body) values ('" + row + "')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(4);
    }

    @Test
    void test(Connection c, PgDatabase db) throws Exception {
      body(c, db, "test");
    }

    @RepeatedTest(3)
    void repeated(Connection c, PgDatabase db) throws Exception {
      body(c, db, "repeated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "b", "c"})
    void parameterized(String row, Connection c, PgDatabase db) throws Exception {
      body(c, db, row);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql")
  static class InDatabases extends EveryShape {
    InDatabases(Connection c, PgDatabase db) throws Exception {
      super(c, db);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
  static class InSchemas extends EveryShape {
    InSchemas(Connection c, PgDatabase db) throws Exception {
      super(c, db);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  static class InTransactions extends EveryShape {
    InTransactions(Connection c, PgDatabase db) throws Exception {
      super(c, db);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
  static class InSharedTransactions extends EveryShape {
    InSharedTransactions(Connection c, PgDatabase db) throws Exception {
      super(c, db);
    }
  }

  static final List<Class<?>> EVERY_MODE =
      List.of(InDatabases.class, InSchemas.class, InTransactions.class, InSharedTransactions.class);

  @Test
  void theConstructorBeforeEachTestAndAfterEachShareOneDatabaseInEveryMode() {
    for (Class<?> type : EVERY_MODE) {
      assertPassed(run(type), 7);
    }
  }

  /** Four threads, each test class and method concurrent, and one TRANSACTION worker. */
  static final String[] CONCURRENT_ONE_WORKER = {
    "junit.jupiter.execution.parallel.enabled", "true",
    "junit.jupiter.execution.parallel.mode.default", "concurrent",
    "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
    "junit.jupiter.execution.parallel.config.strategy", "fixed",
    "junit.jupiter.execution.parallel.config.fixed.parallelism", "4",
    "pgisolate.transaction.workers", "1"
  };

  @Test
  void everyModeUnderParallelExecutionWithMoreTestsThanWorkers() {
    for (Class<?> type : EVERY_MODE) {
      assertPassed(run(type, CONCURRENT_ONE_WORKER), 7);
    }
  }

  // --- class-scoped TRANSACTION classes under parallel execution ---

  /** Holds the one worker until the other class has given up waiting for it. */
  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.TRANSACTION,
      scope = PgIsolated.Scope.CLASS)
  static class HoldsTheWorker {
    static final CountDownLatch HOLDS_IT = new CountDownLatch(1);
    static final CountDownLatch OTHER_GAVE_UP = new CountDownLatch(1);

    @Test
    void holds(Connection c) throws Exception {
      HOLDS_IT.countDown();
      assertThat(OTHER_GAVE_UP.await(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.TRANSACTION,
      acquireTimeoutSeconds = 1)
  static class WaitsForAWorker {
    @BeforeAll
    static void afterTheOtherClassTookIt() throws Exception {
      assertThat(HoldsTheWorker.HOLDS_IT.await(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void waits(Connection c) {}

    @org.junit.jupiter.api.AfterAll
    static void gaveUp() {
      HoldsTheWorker.OTHER_GAVE_UP.countDown();
    }
  }

  @Test
  void aTestThatTimesOutWaitingForAWorkerNamesTheClassesThatHoldThemAndTheSettings() {
    var request =
        org.junit.platform.testkit.engine.EngineTestKit.engine("junit-jupiter")
            .selectors(
                org.junit.platform.engine.discovery.DiscoverySelectors.selectClass(
                    HoldsTheWorker.class),
                org.junit.platform.engine.discovery.DiscoverySelectors.selectClass(
                    WaitsForAWorker.class));
    for (int i = 0; i < CONCURRENT_ONE_WORKER.length; i += 2) {
      request =
          request.configurationParameter(CONCURRENT_ONE_WORKER[i], CONCURRENT_ONE_WORKER[i + 1]);
    }
    EngineExecutionResults results = request.execute();
    results.testEvents().assertStatistics(s -> s.succeeded(1).failed(1));
    assertThat(message(results.testEvents().failed().stream().findFirst().orElseThrow()))
        .matches(
            "test '"
                + java.util.regex.Pattern.quote(WaitsForAWorker.class.getName())
                + "#waits' timed out after 1000 ms waiting for a TRANSACTION worker \\(workers=1,"
                + " ready=0, busy=1, [^)]*\\); 1 of them is held until its class ends by "
                + java.util.regex.Pattern.quote(HoldsTheWorker.class.getName())
                + " \\(scope = CLASS\\)\\. Hint: raise pgisolate.transaction.workers or"
                + " @PgIsolated\\(acquireTimeoutSeconds\\), or run the classes with scope ="
                + " CLASS one after another\\.");
  }

  // --- a constructor that throws after it was given the test's database ---

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class ConstructorThrows {
    ConstructorThrows(Connection c, TestInfo info) throws Exception {
      c.createStatement().execute("insert into note (body) values ('constructor')");
      if (info.getTestMethod().orElseThrow().getName().startsWith("a_")) {
        throw new IllegalStateException("the constructor failed");
      }
    }

    @Test
    void a_neverRuns(Connection c) {}

    @Test
    void b_getsTheWorkerBack(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.TRANSACTION,
      scope = PgIsolated.Scope.CLASS)
  static class ClassScopedConstructorThrows extends ConstructorThrows {
    ClassScopedConstructorThrows(Connection c, TestInfo info) throws Exception {
      super(c, info);
    }

    @Override
    @Test
    void b_getsTheWorkerBack(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(3); // the class's: both rows
    }
  }

  @Test
  void aConstructorThatThrowsGivesBackItsTestsWorkerOrTurn() {
    for (Class<?> type : List.of(ConstructorThrows.class, ClassScopedConstructorThrows.class)) {
      EngineExecutionResults results = run(type, "pgisolate.transaction.workers", "1");
      results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
      assertThat(results.testEvents().failed().stream().map(e -> message(e)).toList())
          .containsExactly("the constructor failed");
    }
  }

  // --- @Nested classes in other modes than their enclosing class ---

  @PgIsolated(scripts = "db/junit/schema.sql")
  static class NestedModes {
    @Test
    void outer(PgDatabase db) {
      assertThat(db.isolation()).isEqualTo(IsolationMode.DATABASE);
    }

    @Nested
    class Inherits {
      @Test
      void inherited(PgDatabase db) {
        assertThat(db.isolation()).isEqualTo(IsolationMode.DATABASE);
      }
    }

    @Nested
    @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
    class Schema {
      @Test
      void inSchema(PgDatabase db, Connection c) throws Exception {
        assertThat(db.isolation()).isEqualTo(IsolationMode.SCHEMA);
        assertThat(string(c, "select current_schema()")).isEqualTo(db.schema().orElseThrow());
      }

      @Nested
      @PgIsolated(
          scripts = "db/junit/schema.sql",
          isolation = IsolationMode.TRANSACTION,
          scope = PgIsolated.Scope.CLASS)
      class ClassTransaction {
        @BeforeAll
        static void seed(Connection c) throws Exception {
          TestLifecycleIT.seedTheClass(c);
        }

        @Test
        void inTheClassesTransaction(PgDatabase db, Connection c) throws Exception {
          assertThat(db.isolation()).isEqualTo(IsolationMode.TRANSACTION);
          assertThat(count(c, "select count(*) from note")).isEqualTo(2);
        }

        @Test
        @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
        void inASchemaOfItsOwn(PgDatabase db, Connection c) throws Exception {
          assertThat(db.isolation()).isEqualTo(IsolationMode.SCHEMA);
          assertThat(count(c, "select count(*) from note")).isEqualTo(1);
        }

        @Nested
        @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
        class SharedTransaction {
          @Test
          void onTheProxy(PgDatabase db, Connection c) throws Exception {
            assertThat(db.isolation()).isEqualTo(IsolationMode.SHARED_TRANSACTION);
            assertThat(count(c, "select count(*) from note")).isEqualTo(1);
          }
        }
      }
    }
  }

  @Test
  void nestedClassesUseTheirOwnModeAndTheOthersTheirEnclosingClasses() {
    assertPassed(run(NestedModes.class, "pgisolate.transaction.workers", "1"), 6);
  }

  // --- TRANSACTION tests that time out ---

  @TestMethodOrder(MethodOrderer.MethodName.class)
  abstract static class TimesOut {
    @Test
    @Timeout(value = 1, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void a_inAStatementOnAThreadOfItsOwn(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('timed out')");
      c.createStatement().execute("select pg_sleep(120)");
    }

    @Test
    void b_next(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(1);
    }

    @Test
    @Timeout(1)
    void c_inAStatementOnTheTestsThread(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('timed out')");
      c.createStatement().execute("select pg_sleep(2)");
    }

    @Test
    void d_next(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  static class TransactionTimesOut extends TimesOut {}

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
  static class SharedTransactionTimesOut extends TimesOut {}

  /**
   * The statement still running on the test's thread when the next test begins would hold the
   * worker (TRANSACTION) or the proxy's one session (SHARED_TRANSACTION) for two minutes: it is
   * cancelled.
   */
  @Test
  void aTestThatTimesOutFailsAndTheNextGetsItsWorkerOrProxyBackClean() {
    for (Class<?> type : List.of(TransactionTimesOut.class, SharedTransactionTimesOut.class)) {
      long start = System.nanoTime();
      EngineExecutionResults results = run(type, "pgisolate.transaction.workers", "1");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("%s: the next test waited for the statement of the one that timed out", type)
          .isLessThan(Duration.ofSeconds(60));
      assertThat(results.testEvents().failed().stream().map(e -> message(e)).toList())
          .containsExactly(
              "a_inAStatementOnAThreadOfItsOwn(java.sql.Connection) timed out after 1 second",
              "c_inAStatementOnTheTestsThread(java.sql.Connection) timed out after 1 second");
      results.testEvents().assertStatistics(s -> s.started(4).succeeded(2).failed(2));
    }
  }
}
