package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.sql.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** Runs small test classes through the JUnit engine, to see failures and parallel runs. */
class ExtensionBehaviourIT {

  static EngineExecutionResults run(Class<?> testClass, String... config) {
    var request = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass));
    for (int i = 0; i < config.length; i += 2) {
      request = request.configurationParameter(config[i], config[i + 1]);
    }
    return request.execute();
  }

  // --- parallel execution ---

  static final Set<String> PARALLEL_NAMES = ConcurrentHashMap.newKeySet();

  @PgIsolated(scripts = "db/junit/schema.sql")
  @Execution(ExecutionMode.CONCURRENT)
  static class ParallelTests {
    @org.junit.jupiter.api.RepeatedTest(8)
    void isolatedUnderParallelExecution(Connection c) throws Exception {
      PARALLEL_NAMES.add(PgIsolatedIT.string(c, "select current_database()"));
      c.createStatement().execute("insert into note (body) values ('parallel')");
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  @Test
  void testsRunInParallelEachWithItsOwnDatabase() {
    EngineExecutionResults results =
        run(
            ParallelTests.class,
            "junit.jupiter.execution.parallel.enabled",
            "true",
            "junit.jupiter.execution.parallel.config.strategy",
            "fixed",
            "junit.jupiter.execution.parallel.config.fixed.parallelism",
            "4");
    results.testEvents().assertStatistics(s -> s.started(8).succeeded(8));
    assertThat(PARALLEL_NAMES).hasSize(8);
  }

  static final Set<String> PARALLEL_SCHEMAS = ConcurrentHashMap.newKeySet();

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
  @Execution(ExecutionMode.CONCURRENT)
  static class ParallelSchemaTests {
    @org.junit.jupiter.api.RepeatedTest(8)
    void isolatedUnderParallelExecution(Connection c) throws Exception {
      PARALLEL_SCHEMAS.add(PgIsolatedIT.string(c, "select current_schema()"));
      c.createStatement().execute("insert into note (body) values ('parallel')");
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  @Execution(ExecutionMode.CONCURRENT)
  static class ParallelTransactionTests {
    @org.junit.jupiter.api.RepeatedTest(8)
    void isolatedUnderParallelExecution(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('parallel')");
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  static final String[] PARALLEL = {
    "junit.jupiter.execution.parallel.enabled",
    "true",
    "junit.jupiter.execution.parallel.config.strategy",
    "fixed",
    "junit.jupiter.execution.parallel.config.fixed.parallelism",
    "4",
    "pgisolate.transaction.workers",
    "3"
  };

  @Test
  void schemaAndTransactionTestsRunInParallelIsolated() {
    run(ParallelSchemaTests.class, PARALLEL)
        .testEvents()
        .assertStatistics(s -> s.started(8).succeeded(8));
    assertThat(PARALLEL_SCHEMAS).hasSize(8);
    run(ParallelTransactionTests.class, PARALLEL)
        .testEvents()
        .assertStatistics(s -> s.started(8).succeeded(8));
  }

  // --- recycling TRANSACTION workers ---

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  static class ManyTransactionTests {
    @org.junit.jupiter.api.RepeatedTest(6)
    void startsFromTheInitialState(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('again')");
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  @Test
  void workersRecycledEveryTwoTestsStillStartEachTestFromTheInitialState() {
    run(
            ManyTransactionTests.class,
            "pgisolate.transaction.workers",
            "1",
            "pgisolate.transaction.recycle",
            "2")
        .testEvents()
        .assertStatistics(s -> s.started(6).succeeded(6));
  }

  @Test
  void anInvalidRecyclingSettingIsNamed() {
    var events =
        run(ManyTransactionTests.class, "pgisolate.transaction.recycle", "often").testEvents();
    events.assertStatistics(s -> s.started(6).failed(6));
    assertThat(message(events.failed().stream().findFirst().orElseThrow()))
        .isEqualTo(
            "pgisolate.transaction.recycle: invalid recycling 'often': expected auto, never, or a"
                + " number of tests (at least 1).");
  }

  @Test
  void anInvalidWorkersSettingIsNamed() {
    var events =
        run(ManyTransactionTests.class, "pgisolate.transaction.workers", "two").testEvents();
    events.assertStatistics(s -> s.started(6).failed(6));
    assertThat(message(events.failed().stream().findFirst().orElseThrow()))
        .startsWith(
            "pgisolate.transaction.workers must be a whole number of at least 1, got 'two'."
                + " Hint: remove it for the default of ");
  }

  @Test
  void aMisspeltSettingInASystemPropertyIsNamed() {
    System.setProperty("pgisolate.transaction.worker", "1");
    try {
      var events = run(ManyTransactionTests.class).testEvents();
      events.assertStatistics(s -> s.started(6).failed(6));
      assertThat(message(events.failed().stream().findFirst().orElseThrow()))
          .isEqualTo(
              "unknown setting 'pgisolate.transaction.worker' (a system property): pgisolate has"
                  + " no setting of that name, and would go on without it. Hint: did you mean"
                  + " 'pgisolate.transaction.workers'?");
    } finally {
      System.clearProperty("pgisolate.transaction.worker");
    }
  }

  @Test
  void anUnknownSettingInJunitPlatformPropertiesIsNamed(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("junit-platform.properties");
    Files.writeString(file, "pgisolate.pool.maximum=8\n");
    Thread thread = Thread.currentThread();
    ClassLoader original = thread.getContextClassLoader();
    try (var loader =
        new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()}, original)) {
      thread.setContextClassLoader(loader);
      assertThat(onlyFailure(NoTimeToWait.class))
          .isEqualTo(
              "unknown setting 'pgisolate.pool.maximum' (in "
                  + file.toUri().toURL()
                  + "): pgisolate has no setting of that name, and would go on without it. Hint:"
                  + " its settings are "
                  + String.join(", ", UnknownSettings.KNOWN)
                  + ".");
    } finally {
      thread.setContextClassLoader(original);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", acquireTimeoutSeconds = 0)
  static class NoTimeToWait {
    @Test
    void test(Connection c) {}
  }

  @Test
  void anAcquireTimeoutBelowOneSecondIsNamed() {
    assertThat(onlyFailure(NoTimeToWait.class))
        .isEqualTo(
            "@PgIsolated(acquireTimeoutSeconds = 0) on test(Connection) in"
                + " io.pgisolate.junit5.ExtensionBehaviourIT$NoTimeToWait: it must be at least 1."
                + " Hint: remove it for the default of 60 seconds.");
  }

  static class ClassScopeOnAMethod {
    @Test
    @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS)
    void test(Connection c) {}
  }

  @Test
  void classScopeOnATestMethodIsNamed() {
    assertThat(onlyFailure(ClassScopeOnAMethod.class))
        .isEqualTo(
            "@PgIsolated(scope = CLASS) on test(Connection) in"
                + " io.pgisolate.junit5.ExtensionBehaviourIT$ClassScopeOnAMethod: a test method"
                + " cannot share a database with its class's tests. Hint: put @PgIsolated(scope ="
                + " CLASS) on the class, or remove scope = CLASS to give this test a database of"
                + " its own.");
  }

  // --- breaking isolation ---

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
  static class CommitAsSql {
    @Test
    void a_commitsAndCatchesTheError(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('escape')");
      try {
        c.createStatement().execute("commit");
      } catch (java.sql.SQLException e) {
        // swallowed: the test still fails
      }
    }

    @Test
    void b_nextTestSeesTheInitialState(Connection c) throws Exception {
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(1);
    }

    @Test
    void c_noUrl(@JdbcUrl String url) {}
  }

  @Test
  void commitAsSqlFailsTheTestAndTheOthersGoOn() {
    var events = run(CommitAsSql.class).testEvents();
    events.assertStatistics(s -> s.started(3).succeeded(1).failed(2));
    List<String> messages = events.failed().stream().map(ExtensionBehaviourIT::message).toList();
    assertThat(messages)
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("the test sent COMMIT as SQL ('commit')")
                    .contains("Hint: use Connection.commit()"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("no @JdbcUrl for")
                    .contains("TRANSACTION isolation has no URL"));
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
  static class DropsItsSchema {
    @Test
    void dropsIt(Connection c, PgDatabase db) throws Exception {
      c.createStatement().execute("drop schema " + db.schema().orElseThrow() + " cascade");
    }

    @Test
    void another(Connection c) throws Exception {
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void droppingItsOwnSchemaFailsTheTestAndTheOthersGoOn() {
    var events = run(DropsItsSchema.class).testEvents();
    events.assertStatistics(s -> s.started(2).succeeded(1).failed(1));
    assertThat(message(events.failed().stream().findFirst().orElseThrow()))
        .contains("dropped its own schema pgi_s_")
        .contains("Hint: in SCHEMA isolation a test must not drop or rename its schema");
  }

  static volatile PgDatabase failedSchema;

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.SCHEMA,
      keepOnFailure = true)
  static class FailingSchemaTest {
    @Test
    void fails(PgDatabase db, Connection c) throws Exception {
      failedSchema = db;
      c.createStatement().execute("insert into note (body) values ('evidence')");
      throw new AssertionError("boom");
    }
  }

  @Test
  void keepOnFailureKeepsTheSchemaAndItsDatabase() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      run(FailingSchemaTest.class, "pgisolate.url", existing.uri())
          .testEvents()
          .assertStatistics(s -> s.failed(1));
      PgDatabase kept = failedSchema;
      String schema = kept.schema().orElseThrow();
      try (Connection c = kept.server().connect(kept.name())) {
        assertThat(PgIsolatedIT.count(c, "select count(*) from " + schema + ".note")).isEqualTo(2);
        assertThat(
                PgIsolatedIT.string(
                    c,
                    "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname"
                        + " = '"
                        + schema
                        + "'"))
            .startsWith("pgisolate: kept: fails(");
      }
    }
  }

  /** The message of the one test of {@code testClass}, which fails. */
  static String onlyFailure(Class<?> testClass) {
    var events = run(testClass).testEvents();
    events.assertStatistics(s -> s.started(1).failed(1));
    return message(events.failed().stream().findFirst().orElseThrow());
  }

  static String message(Event event) {
    return event
        .getPayload(org.junit.platform.engine.TestExecutionResult.class)
        .orElseThrow()
        .getThrowable()
        .orElseThrow()
        .getMessage();
  }

  // --- readOnly: the clone goes on to the next test as it is, so its connections refuse writes ---

  static final String LEAK = "insert into note (body) values ('leaked to the next test')";

  @PgIsolated(scripts = "db/junit/schema.sql", readOnly = true)
  @org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
  static class ReadOnlyTests {
    @Test
    void a_writesThroughItsConnection(Connection c) throws Exception {
      c.createStatement().execute(LEAK);
    }

    @Test
    void b_writesThroughItsDataSource(javax.sql.DataSource dataSource) throws Exception {
      try (Connection c = dataSource.getConnection()) {
        c.createStatement().execute(LEAK);
      }
    }

    @Test
    void c_writesThroughItsJdbcUrl(@JdbcUrl String url) throws Exception {
      try (Connection c = java.sql.DriverManager.getConnection(url)) {
        c.createStatement().execute(LEAK);
      }
    }

    @Test
    void d_psqlWritesThroughItsUri(PgDatabase db) throws Exception {
      Process psql =
          new ProcessBuilder(
                  "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db.uri(), "-c", LEAK)
              .redirectErrorStream(true)
              .start();
      String output =
          new String(psql.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(psql.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(output).contains("cannot execute INSERT in a read-only transaction");
      assertThat(psql.exitValue()).isNotZero();
    }

    @Test
    void e_readsAndSeesNoLeak(Connection c) throws Exception {
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void aReadOnlyTestThatWritesFailsInsteadOfHandingItsChangesToTheNextTest() {
    var events = run(ReadOnlyTests.class).testEvents();
    events.assertStatistics(s -> s.started(5).succeeded(2).failed(3));
    assertThat(events.failed().stream().map(ExtensionBehaviourIT::message))
        .hasSize(3)
        .allSatisfy(
            m -> assertThat(m).contains("cannot execute INSERT in a read-only transaction"));
  }

  // --- keepOnFailure ---

  static volatile PgDatabase failedDatabase;

  @PgIsolated(scripts = "db/junit/schema.sql", keepOnFailure = true)
  static class FailingTest {
    @Test
    void fails(PgDatabase db, Connection c) throws Exception {
      failedDatabase = db;
      c.createStatement().execute("insert into note (body) values ('evidence')");
      throw new AssertionError("boom");
    }
  }

  @Test
  void keepOnFailureKeepsTheDatabaseOnAnExistingServer() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      run(FailingTest.class, "pgisolate.url", existing.uri())
          .testEvents()
          .assertStatistics(s -> s.failed(1));
      assertKept(failedDatabase);
    }
  }

  static volatile PgDatabase failedClassDatabase;

  @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS, keepOnFailure = true)
  static class FailingClassScopedTest {
    @Test
    void fails(PgDatabase db, Connection c) throws Exception {
      failedClassDatabase = db;
      c.createStatement().execute("insert into note (body) values ('evidence')");
      throw new AssertionError("boom");
    }

    @Test
    void passes(Connection c) throws Exception {
      c.createStatement().execute("select 1");
    }
  }

  @Test
  void keepOnFailureKeepsAClassScopedDatabaseWhenOneOfItsTestsFails() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      run(FailingClassScopedTest.class, "pgisolate.url", existing.uri())
          .testEvents()
          .assertStatistics(s -> s.failed(1).succeeded(1));
      PgDatabase kept = failedClassDatabase;
      try (Connection c = kept.connect()) {
        assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(2);
      }
    }
  }

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.TRANSACTION,
      keepOnFailure = true)
  static class KeepOnFailureInTransactions extends SelectsThrice {}

  /** Three tests that pass, for classes that differ in their annotation. */
  abstract static class SelectsThrice {
    @org.junit.jupiter.api.RepeatedTest(3)
    void test(Connection c) throws Exception {
      c.createStatement().execute("select 1");
    }
  }

  @Test
  void keepOnFailureWithTransactionIsWarnedOfOncePerClass() {
    assertWarnedOfOnce(
        KeepOnFailureInTransactions.class,
        3,
        "keepOnFailure has no effect with isolation = TRANSACTION"
            + " (io.pgisolate.junit5.ExtensionBehaviourIT$KeepOnFailureInTransactions): a"
            + " test's changes are rolled back");
  }

  /** {@code type}'s tests all pass, and the log has {@code warning} once. */
  private static void assertWarnedOfOnce(Class<?> type, int tests, String warning) {
    String log = stderrOf(() -> run(type).testEvents().assertStatistics(s -> s.succeeded(tests)));
    String start = warning.substring(0, warning.indexOf(" with "));
    assertThat(log.lines().filter(l -> l.contains(start)))
        .containsExactly("WARN io.pgisolate.junit5.PgIsolateExtension - pgisolate: " + warning);
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA, readOnly = true)
  static class ReadOnlyInSchemas extends SelectsThrice {}

  /** readOnly is DATABASE's: elsewhere a write would pass unnoticed, so the user is told. */
  @Test
  void readOnlyOutsideDatabaseIsolationIsWarnedOfOncePerClass() {
    assertWarnedOfOnce(
        ReadOnlyInSchemas.class,
        3,
        "readOnly has no effect with isolation = SCHEMA"
            + " (io.pgisolate.junit5.ExtensionBehaviourIT$ReadOnlyInSchemas): only DATABASE"
            + " isolation hands a test's database on and holds its connections to read-only");
  }

  @PgIsolated(scripts = "db/junit/schema.sql", keepOnFailure = true)
  static class FailingInvocations {
    @org.junit.jupiter.api.RepeatedTest(2)
    void repeated(org.junit.jupiter.api.RepetitionInfo info, Connection c) {
      assertThat(info.getCurrentRepetition()).isEqualTo(1);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void parameterized(int value, Connection c) {
      assertThat(value).isEqualTo(2);
    }
  }

  @Test
  void aKeptDatabaseOfARepetitionOrParameterizedTestNamesTheTestAndItsClass() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      String log =
          stderrOf(
              () ->
                  run(FailingInvocations.class, "pgisolate.url", existing.uri())
                      .testEvents()
                      .assertStatistics(s -> s.succeeded(2).failed(2)));
      String type = FailingInvocations.class.getName();
      assertThat(log.lines().filter(l -> l.startsWith("pgisolate: kept")))
          .map(l -> l.substring(0, l.indexOf("': ") + 1))
          .containsExactlyInAnyOrder(
              "pgisolate: kept the database of failed test 'repeated(RepetitionInfo, Connection),"
                  + " repetition 2 of 2 in "
                  + type
                  + "'",
              "pgisolate: kept the database of failed test 'parameterized(int, Connection), [1] 1"
                  + " in "
                  + type
                  + "'");
      try (Connection c = existing.dataSource().getConnection();
          ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "select shobj_description(oid, 'pg_database') from pg_database"
                          + " where shobj_description(oid, 'pg_database') like 'pgisolate: kept:%'"
                          + " order by 1")) {
        List<String> comments = new java.util.ArrayList<>();
        while (rs.next()) {
          comments.add(rs.getString(1));
        }
        assertThat(comments)
            .hasSize(2)
            .anySatisfy(
                m ->
                    assertThat(m)
                        .startsWith(
                            "pgisolate: kept: parameterized(int, Connection), [1] 1 in " + type))
            .anySatisfy(
                m ->
                    assertThat(m)
                        .startsWith(
                            "pgisolate: kept: repeated(RepetitionInfo, Connection), repetition 2"
                                + " of 2 in "
                                + type));
      }
    }
  }

  /** What {@code action} writes to System.err, where slf4j-simple logs; passed on there too. */
  private static String stderrOf(Runnable action) {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(
        new java.io.PrintStream(
            new java.io.OutputStream() {
              @Override
              public void write(int b) {
                captured.write(b);
                original.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                original.write(b, off, len);
              }
            },
            true,
            java.nio.charset.StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void assertKept(PgDatabase kept) throws Exception {
    try (Connection c = kept.connect()) {
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(2);
    }
    PgServer server = kept.server();
    try (Connection admin = server.connect("postgres");
        ResultSet rs =
            admin
                .createStatement()
                .executeQuery(
                    "select shobj_description(oid, 'pg_database') from pg_database where datname = '"
                        + kept.name()
                        + "'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).startsWith("pgisolate: kept: fails(");
      admin.createStatement().execute("drop database \"" + kept.name() + "\" with (force)");
    }
  }

  // --- a broken schema ---

  @PgIsolated(scripts = "db/junit-broken/schema.sql")
  static class BrokenSchemaTest {
    @Test
    void neverRuns(Connection c) {
      throw new AssertionError("must not run");
    }
  }

  @Test
  void brokenSchemaFailsTheTestWithFileAndPosition() {
    List<Event> failures = run(BrokenSchemaTest.class).testEvents().failed().stream().toList();
    assertThat(failures).hasSize(1);
    Throwable cause =
        failures
            .get(0)
            .getPayload(org.junit.platform.engine.TestExecutionResult.class)
            .orElseThrow()
            .getThrowable()
            .orElseThrow();
    assertThat(cause)
        .hasMessageContaining("init script classpath:db/junit-broken/schema.sql failed at line 3,")
        .hasMessageContaining("syntax error");
  }

  // --- a parameter in @BeforeAll without scope CLASS ---

  @PgIsolated(scripts = "db/junit/schema.sql")
  static class BeforeAllParameter {
    @org.junit.jupiter.api.BeforeAll
    static void setUp(Connection c) {}

    @Test
    void test() {}
  }

  @Test
  void beforeAllParameterWithoutClassScopeExplainsItself() {
    List<Event> failures =
        run(BeforeAllParameter.class).containerEvents().failed().stream().toList();
    assertThat(failures).hasSize(1);
    Throwable cause =
        failures
            .get(0)
            .getPayload(org.junit.platform.engine.TestExecutionResult.class)
            .orElseThrow()
            .getThrowable()
            .orElseThrow();
    assertThat(cause.getMessage())
        .isEqualTo(
            "no pgisolate database for java.sql.Connection arg0 of setUp(Connection): with"
                + " @PgIsolated(scope = METHOD), only a test and its @BeforeEach and @AfterEach"
                + " methods get one. Hint: move the parameter to the test or a @BeforeEach"
                + " method, or use scope = CLASS, which @BeforeAll and @AfterAll methods share.");
  }

  @PgIsolated(scripts = "db/junit/schema.sql")
  static class AfterAllParameter {
    @org.junit.jupiter.api.AfterAll
    static void tearDown(javax.sql.DataSource ds) {}

    @Test
    void test() {}
  }

  @Test
  void afterAllParameterWithoutClassScopeExplainsItself() {
    assertThat(
            run(AfterAllParameter.class).containerEvents().failed().stream()
                .map(ExtensionBehaviourIT::message)
                .toList())
        .containsExactly(
            "no pgisolate database for javax.sql.DataSource arg0 of tearDown(DataSource): with"
                + " @PgIsolated(scope = METHOD), only a test and its @BeforeEach and @AfterEach"
                + " methods get one. Hint: move the parameter to the test or a @BeforeEach"
                + " method, or use scope = CLASS, which @BeforeAll and @AfterAll methods share.");
  }

  @PgIsolated(scripts = "db/junit/schema.sql")
  static class JdbcUrlOfAnotherType {
    @Test
    void test(@JdbcUrl java.net.URI url) {}
  }

  @Test
  void aJdbcUrlOfAnotherTypeThanStringExplainsItself() {
    assertThat(onlyFailure(JdbcUrlOfAnotherType.class))
        .isEqualTo(
            "@JdbcUrl on java.net.URI arg0 of test(URI): @JdbcUrl parameters are Strings."
                + " Hint: declare it as String (or take a PgDatabase, whose uri() is a libpq URI).");
  }
}
