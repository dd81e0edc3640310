package io.pgisolate.junit5;

import static io.pgisolate.junit5.ExtensionBehaviourIT.message;
import static io.pgisolate.junit5.ExtensionBehaviourIT.run;
import static io.pgisolate.junit5.PgIsolatedIT.count;
import static io.pgisolate.junit5.PgIsolatedIT.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.IsolationMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * What a test gets in JUnit's less common shapes: @Nested classes under a class-scoped database,
 * PER_CLASS test instances, aborted tests and dynamic tests.
 */
class TestLifecycleIT {

  private static void assertPassed(EngineExecutionResults results, int tests) {
    assertThat(results.allEvents().failed().stream().map(e -> message(e)).toList()).isEmpty();
    results.testEvents().assertStatistics(s -> s.started(tests).succeeded(tests));
  }

  /** The databases on {@code server} that a failed test's keepOnFailure kept. */
  static List<String> keptDatabases(TempCluster server) throws Exception {
    try (Connection c = server.dataSource().getConnection();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select datname from pg_database"
                        + " where shobj_description(oid, 'pg_database') like 'pgisolate: kept:%'")) {
      List<String> names = new ArrayList<>();
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      return names;
    }
  }

  // --- @Nested classes share their enclosing class's class-scoped database ---

  static final Set<String> NESTED_DATABASES = ConcurrentHashMap.newKeySet();

  @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS)
  static class ClassScopedWithNested {
    @BeforeAll
    static void seed(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('seeded for the class')");
    }

    @Test
    void outer(Connection c) throws Exception {
      seesTheClassSeed(c);
    }

    static void seesTheClassSeed(Connection c) throws Exception {
      NESTED_DATABASES.add(string(c, "select current_database()"));
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }

    @Nested
    class Inner {
      @Test
      void inner(Connection c) throws Exception {
        seesTheClassSeed(c);
      }

      @Nested
      @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS)
      class WithADatabaseOfItsOwn {
        @Test
        void withoutTheSeed(Connection c) throws Exception {
          assertThat(count(c, "select count(*) from note")).isEqualTo(1);
        }
      }

      @Nested
      class Innermost {
        @Test
        void innermost(PgDatabase db) {
          NESTED_DATABASES.add(db.name());
        }
      }
    }
  }

  @Test
  void nestedClassesWithoutAnAnnotationOfTheirOwnShareTheClassScopedDatabase() {
    assertPassed(run(ClassScopedWithNested.class), 4);
    assertThat(NESTED_DATABASES).hasSize(1);
  }

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      scope = PgIsolated.Scope.CLASS,
      isolation = IsolationMode.TRANSACTION,
      acquireTimeoutSeconds = 5)
  static class TransactionClassScopedWithNested {
    @BeforeAll
    static void seed(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('seeded for the class')");
    }

    @Nested
    class Inner {
      @Test
      void inner(Connection c) throws Exception {
        assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      }
    }
  }

  @Test
  void aNestedClassDoesNotWaitForTheWorkerItsEnclosingClassHolds() {
    assertPassed(
        run(TransactionClassScopedWithNested.class, "pgisolate.transaction.workers", "1"), 1);
  }

  /** A row that the tests of a class-scoped database see, and those of other databases do not. */
  static void seedTheClass(Connection c) throws Exception {
    c.createStatement().execute("insert into note (body) values ('seeded for the class')");
  }

  // --- a TRANSACTION lease of its own inside a class-scoped one on the same runner ---

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.TRANSACTION,
      scope = PgIsolated.Scope.CLASS)
  static class MethodTransactionInClassTransaction {
    @BeforeAll
    static void seed(Connection c) throws Exception {
      seedTheClass(c);
    }

    @Test
    @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
    void ownWorker(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(1); // not the class's seed
    }

    @Test
    void classWorker(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }

    @Nested
    @PgIsolated(
        scripts = "db/junit/schema.sql",
        isolation = IsolationMode.TRANSACTION,
        scope = PgIsolated.Scope.CLASS)
    class OwnClassWorker {
      @Test
      void nested(Connection c) throws Exception {
        assertThat(count(c, "select count(*) from note")).isEqualTo(1);
      }
    }
  }

  @Test
  void aTransactionOfItsOwnInAClassScopedOneGetsAnotherWorker() {
    assertPassed(
        run(MethodTransactionInClassTransaction.class, "pgisolate.transaction.workers", "3"), 3);
  }

  @Test
  void aTransactionOfItsOwnThatWouldWaitForItsOwnClassesWorkerFailsAtOnce() {
    EngineExecutionResults results =
        run(MethodTransactionInClassTransaction.class, "pgisolate.transaction.workers", "1");
    results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
    String type = MethodTransactionInClassTransaction.class.getName();
    assertThat(results.allEvents().failed().stream().map(e -> message(e)).toList())
        .containsExactly(
            ownWorkerRefused("test '" + type + "#ownWorker'"),
            ownWorkerRefused("@Nested class '" + type + "$OwnClassWorker'"));
  }

  private static String ownWorkerRefused(String subject) {
    return subject
        + " cannot get a TRANSACTION worker of its own: there is 1"
        + " (pgisolate.transaction.workers), held by "
        + MethodTransactionInClassTransaction.class.getName()
        + " (scope = CLASS) until that class ends, so it would wait for itself. Hint: remove"
        + " its @PgIsolated to work in the enclosing class's transaction, set"
        + " pgisolate.transaction.workers to 2 or more, or give the enclosing class scope ="
        + " METHOD.";
  }

  // --- PER_CLASS test instances ---

  @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS)
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  static class PerClassInstance {
    private final DataSource dataSource;

    PerClassInstance(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    @BeforeAll
    void seed(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('seeded for the class')");
    }

    @Test
    void seesTheSeed() throws Exception {
      try (Connection c = dataSource.getConnection()) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      }
    }

    @AfterAll
    void last(PgDatabase db) {
      assertThat(db.name()).isNotBlank();
    }
  }

  @Test
  void aPerClassInstanceGetsTheClassScopedDatabaseInItsConstructor() {
    assertPassed(run(PerClassInstance.class), 1);
  }

  // --- aborted tests are not failed tests ---

  @PgIsolated(scripts = "db/junit/schema.sql", keepOnFailure = true)
  static class AbortedTest {
    @Test
    void aborted(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('before the assumption')");
      Assumptions.assumeTrue(false, "not on this machine");
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", keepOnFailure = true, scope = PgIsolated.Scope.CLASS)
  static class AbortedClassScopedTest {
    @Test
    void aborted(Connection c) {
      Assumptions.assumeTrue(false, "not on this machine");
    }

    @Test
    void passes(Connection c) throws Exception {
      assertThat(c.isValid(1)).isTrue();
    }
  }

  @Test
  void anAbortedTestsDatabaseIsNotKept() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      EngineExecutionResults method = run(AbortedTest.class, "pgisolate.url", existing.uri());
      method.testEvents().assertStatistics(s -> s.aborted(1).failed(0));
      EngineExecutionResults scoped =
          run(AbortedClassScopedTest.class, "pgisolate.url", existing.uri());
      scoped.testEvents().assertStatistics(s -> s.aborted(1).succeeded(1).failed(0));
      assertThat(keptDatabases(existing)).isEmpty();
      assertThat(method.allEvents().reportingEntryPublished().count()).isZero();
    }
  }

  // --- dynamic tests ---

  @PgIsolated(scripts = "db/junit/schema.sql", keepOnFailure = true)
  static class FailingDynamicTest {
    @TestFactory
    Stream<DynamicTest> dynamicTests(Connection c) {
      return Stream.of(
          DynamicTest.dynamicTest(
              "writes",
              () -> c.createStatement().execute("insert into note (body) values ('evidence')")),
          DynamicTest.dynamicTest(
              "fails",
              () -> {
                throw new AssertionError("boom");
              }));
    }
  }

  @Test
  void aFailingDynamicTestKeepsItsFactorysDatabase() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      run(FailingDynamicTest.class, "pgisolate.url", existing.uri())
          .testEvents()
          .assertStatistics(s -> s.succeeded(1).failed(1));
      List<String> kept = keptDatabases(existing);
      assertThat(kept).hasSize(1);
      try (Connection c = existing.server().connect(kept.get(0))) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      }
    }
  }

  // --- a kept database's URL ---

  /** The report entries a run published under {@code key}. */
  static List<String> reported(EngineExecutionResults results, String key) {
    return results.allEvents().reportingEntryPublished().stream()
        .map(e -> e.getRequiredPayload(ReportEntry.class).getKeyValuePairs().get(key))
        .filter(v -> v != null)
        .toList();
  }

  @Test
  void theKeptUrlIsReportedAndWorksWithPsqlAfterTheRun() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      for (Class<?> failing :
          List.of(
              ExtensionBehaviourIT.FailingSchemaTest.class,
              ExtensionBehaviourIT.FailingTest.class)) {
        List<String> urls =
            reported(run(failing, "pgisolate.url", existing.uri()), "pgisolate.kept");
        assertThat(urls).hasSize(1);
        assertThat(SharedTransactionModeIT.psql(urls.get(0), "select count(*) from note").strip())
            .isEqualTo("2");
      }
    }
  }

  @Test
  void aDatabaseKeptOnTheJvmsTemporaryClusterSaysItGoesWithTheJvm() {
    EngineExecutionResults results = run(ExtensionBehaviourIT.FailingTest.class);
    assertThat(reported(results, "pgisolate.kept")).hasSize(1);
    assertThat(reported(results, "pgisolate.kept.note"))
        .containsExactly(
            "on this JVM's temporary cluster, which is removed when the JVM exits. Hint: set"
                + " pgisolate.url (or PGISOLATE_URL) to a server that outlives the test run to"
                + " inspect it afterwards.");
  }

  // --- a class-scoped TRANSACTION session under parallel execution ---

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.TRANSACTION,
      scope = PgIsolated.Scope.CLASS)
  @Execution(ExecutionMode.CONCURRENT)
  static class ConcurrentOnOneTransaction {
    @RepeatedTest(8)
    void rollsBackItsOwnWork(Connection c) throws Exception {
      c.setAutoCommit(false);
      c.createStatement().execute("insert into note (body) values ('mine')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      c.rollback();
      c.setAutoCommit(true);
      assertThat(count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void testsOfAClassScopedTransactionTakeTurnsUnderParallelExecution() {
    assertPassed(run(ConcurrentOnOneTransaction.class, ExtensionBehaviourIT.PARALLEL), 8);
  }

  // --- connections injected into a test of a class-scoped database ---

  static final Set<Connection> INJECTED = ConcurrentHashMap.newKeySet();

  @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS)
  static class ManyTestsOnOneDatabase {
    @Nested
    class InANestedClass {
      @BeforeAll
      static void setUp(Connection c) {}

      @RepeatedTest(3)
      void injected(Connection c) throws Exception {
        ManyTestsOnOneDatabase.injected(c);
      }
    }

    /** Fails unless the connections of earlier tests are closed. */
    static void injected(Connection c) throws Exception {
      for (Connection earlier : INJECTED) {
        assertThat(earlier.isClosed()).as("the connection of an earlier test closed").isTrue();
      }
      INJECTED.add(c);
    }

    @RepeatedTest(5)
    void test(Connection c) throws Exception {
      injected(c);
    }

    @RepeatedTest(3)
    void connected(PgDatabase db) throws Exception {
      injected(db.connect());
    }
  }

  @Test
  void aConnectionInjectedIntoATestOfAClassScopedDatabaseIsClosedAfterTheTest() throws Exception {
    assertPassed(run(ManyTestsOnOneDatabase.class), 11);
    assertThat(INJECTED).hasSize(11);
    for (Connection c : INJECTED) {
      assertThat(c.isClosed()).isTrue();
    }
  }
}
