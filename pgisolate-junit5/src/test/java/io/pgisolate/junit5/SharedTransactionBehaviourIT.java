package io.pgisolate.junit5;

import static io.pgisolate.junit5.ExtensionBehaviourIT.message;
import static io.pgisolate.junit5.ExtensionBehaviourIT.run;
import static io.pgisolate.junit5.PgIsolatedIT.count;
import static io.pgisolate.junit5.PgIsolatedIT.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.Isolated;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.isolation.Outcome;
import io.pgisolate.proxy.transactional.SharedTransaction;
import io.pgisolate.proxy.transactional.TransactionalProxy;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * SHARED_TRANSACTION through the JUnit engine: the parameters point at the proxy, ROLLBACK TEST
 * follows a failing test too, tests run one at a time under parallel execution, and a proxy of
 * another process ({@code pgisolate.proxy.url}) is only sent BEGIN TEST and ROLLBACK TEST.
 */
class SharedTransactionBehaviourIT {

  /** The server at pgisolate.url during a run, for the checks that bypass the proxy. */
  static volatile TempCluster server;

  private static void assertPassed(EngineExecutionResults results, int tests) {
    assertThat(results.allEvents().failed().stream().map(e -> message(e)).toList()).isEmpty();
    results.testEvents().assertStatistics(s -> s.started(tests).succeeded(tests));
  }

  // --- the parameters point at the proxy; the schema is committed, the test's work is not ---

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
  static class InjectedParameters {
    @Test
    void everyParameterReachesTheProxy(
        Connection c, DataSource ds, PgDatabase db, @JdbcUrl String url) throws Exception {
      assertThat(db.isolation()).isEqualTo(IsolationMode.SHARED_TRANSACTION);
      assertThat(db.schema()).isEmpty();
      assertThat(db.port()).isNotEqualTo(server.port());
      assertThat(url)
          .isEqualTo(db.jdbcUrl())
          .startsWith("jdbc:postgresql://127.0.0.1:" + db.port() + "/" + db.name() + "?");
      c.createStatement().execute("insert into note (body) values ('by the test')");
      try (Connection viaDataSource = ds.getConnection();
          Connection viaUrl = DriverManager.getConnection(url)) {
        assertThat(count(viaDataSource, "select count(*) from note")).isEqualTo(2);
        assertThat(count(viaUrl, "select count(*) from note")).isEqualTo(2);
        assertThat(string(viaUrl, "select current_database()")).isEqualTo(db.name());
        // The proxy's one session is on the server of pgisolate.url.
        assertThat(count(viaUrl, "select inet_server_port()")).isEqualTo(server.port());
      }
      try (Connection direct = server.server().connect(db.name())) {
        assertThat(count(direct, "select count(*) from note")).as("committed rows").isEqualTo(1);
      }
    }
  }

  @Test
  void parametersPointAtTheProxyAndTestsAreNamedInTheServerLog() throws Exception {
    try (TempCluster existing = TempCluster.builder().setting("log_statement", "all").start()) {
      server = existing;
      assertPassed(run(InjectedParameters.class, "pgisolate.url", existing.uri()), 1);
      String name = InjectedParameters.class.getName() + "#everyParameterReachesTheProxy";
      assertThat(Files.readString(existing.logFile()))
          .contains("BEGIN ISOLATION LEVEL READ COMMITTED /* pgisolate: test " + name + " */")
          .contains("ROLLBACK /* pgisolate: end of test " + name + " */");
    }
  }

  // --- ROLLBACK TEST follows a failing test too ---

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class FailsMidTransaction {
    @Test
    void a_failsWithWorkInFlight(Connection c, @JdbcUrl String url) throws Exception {
      try (Connection app = DriverManager.getConnection(url)) {
        app.createStatement().execute("insert into note (body) values ('by the application')");
      }
      c.setAutoCommit(false);
      c.createStatement().execute("insert into note (body) values ('in an open transaction')");
      throw new AssertionError("boom");
    }

    @Test
    void b_theNextTestSeesNoneOfIt(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void aFailingTestIsRolledBackToo() {
    var events = run(FailsMidTransaction.class).testEvents();
    events.assertStatistics(s -> s.started(2).failed(1).succeeded(1));
    assertThat(message(events.failed().stream().findFirst().orElseThrow())).isEqualTo("boom");
  }

  // --- one test at a time under parallel execution ---

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
  @Execution(ExecutionMode.CONCURRENT)
  static class ParallelTests {
    @RepeatedTest(6)
    void seesOnlyItsOwnRow(@JdbcUrl String url) throws Exception {
      try (Connection app = DriverManager.getConnection(url)) {
        app.createStatement().execute("insert into note (body) values ('parallel')");
        assertThat(count(app, "select count(*) from note")).isEqualTo(2);
      }
    }
  }

  @Test
  void testsRunOneAtATimeUnderParallelExecution() {
    assertPassed(run(ParallelTests.class, ExtensionBehaviourIT.PARALLEL), 6);
  }

  @Test
  void aTestThatWaitsTooLongSaysWhichTestHoldsTheProxy() {
    try (TempCluster pg = TempCluster.builder().start();
        TransactionalProxy proxy = TransactionalProxy.start(pg)) {
      SharedTransactionIsolation isolation = SharedTransactionIsolation.external(proxy.uri());
      Isolated first = isolation.begin(Duration.ofSeconds(10), "First#test");
      assertThatThrownBy(() -> isolation.begin(Duration.ofMillis(50), "Second#test"))
          .isInstanceOf(PgIsolateException.class)
          .hasMessage(
              "timed out after 50 ms waiting to begin test 'Second#test' on the transactional"
                  + " proxy at 127.0.0.1:"
                  + proxy.port()
                  + ": test 'First#test' is still open, and a proxy runs one test at a time."
                  + " Hint: look for a test that hangs, or raise"
                  + " @PgIsolated(acquireTimeoutSeconds).");
      first.end(Outcome.passed("First#test"));
      isolation.begin(Duration.ofSeconds(10), "Third#test").end(Outcome.passed("Third#test"));
      isolation.close();
    }
  }

  // --- scope CLASS: one test transaction for the class ---

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.SHARED_TRANSACTION,
      scope = PgIsolated.Scope.CLASS)
  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class ClassScoped {
    @BeforeAll
    static void seed(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('before all')");
    }

    @Test
    void a_seesTheBeforeAllRow(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      c.createStatement().execute("insert into note (body) values ('by a')");
    }

    @Test
    void b_seesWhatTheClassDid(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(3);
    }
  }

  @Test
  void classScopeSharesOneTestTransaction() {
    assertPassed(run(ClassScoped.class), 2);
  }

  // --- a proxy of another process: pgisolate.proxy.url ---

  static volatile String urlSeen;

  @PgIsolated(isolation = IsolationMode.SHARED_TRANSACTION)
  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class OnAnExternalProxy {
    @Test
    void a_writes(@JdbcUrl String url) throws Exception {
      urlSeen = url;
      try (Connection app = DriverManager.getConnection(url)) {
        app.createStatement().execute("insert into note (body) values ('through the proxy')");
        assertThat(count(app, "select count(*) from note")).isEqualTo(2);
      }
    }

    @Test
    void b_theNextTestSeesNoneOfIt(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void anExternalProxyIsOnlySentBeginTestAndRollbackTest() throws Exception {
    try (TempCluster pg = TempCluster.builder().start()) {
      try (Connection c = pg.dataSource().getConnection()) {
        c.createStatement().execute("create table note (id serial primary key, body text)");
        c.createStatement().execute("insert into note (body) values ('seed')");
      }
      try (TransactionalProxy proxy = TransactionalProxy.start(pg)) {
        assertPassed(run(OnAnExternalProxy.class, "pgisolate.proxy.url", proxy.jdbcUrl()), 2);
        assertThat(urlSeen).isEqualTo(proxy.jdbcUrl());
        try (Connection direct = pg.dataSource().getConnection()) {
          assertThat(count(direct, "select count(*) from note")).isEqualTo(1);
        }
        try (SharedTransaction next = proxy.begin("after the run")) {
          assertThat(next.name()).as("no test was left open").isEqualTo("after the run");
        }
      }
    }
  }

  @Test
  void anExternalUrlThatIsNotATransactionalProxyFailsTheTestsSayingSo() {
    try (TempCluster pg = TempCluster.builder().start()) {
      var events = run(OnAnExternalProxy.class, "pgisolate.proxy.url", pg.jdbcUrl()).testEvents();
      events.assertStatistics(s -> s.started(2).failed(2));
      List<String> messages = events.failed().stream().map(e -> message(e)).toList();
      assertThat(messages)
          .allSatisfy(
              m ->
                  assertThat(m)
                      .contains("could not begin test '" + OnAnExternalProxy.class.getName())
                      .contains("it is not a transactional proxy")
                      .contains("Hint: start one with `pgisolate proxy --mode transactional`"));
    }
  }

  // --- a test cannot wait for its own class's shared transaction ---

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = IsolationMode.SHARED_TRANSACTION,
      scope = PgIsolated.Scope.CLASS,
      acquireTimeoutSeconds = 5)
  static class MethodInsideItsClassesTransaction {
    @Test
    @PgIsolated(
        scripts = "db/junit/schema.sql",
        isolation = IsolationMode.SHARED_TRANSACTION,
        readOnly = true,
        acquireTimeoutSeconds = 5)
    void ownAnnotation(Connection c) {}

    @Test
    void shared(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void aTestWhoseClassHoldsTheProxyFailsAtOnceInsteadOfWaitingForItself() {
    var events = run(MethodInsideItsClassesTransaction.class).testEvents();
    events.assertStatistics(s -> s.started(2).failed(1).succeeded(1));
    assertThat(message(events.failed().stream().findFirst().orElseThrow()))
        .isEqualTo(
            "test 'io.pgisolate.junit5.SharedTransactionBehaviourIT$MethodInsideItsClassesTransaction"
                + "#ownAnnotation' cannot begin its own shared transaction: its class's (scope ="
                + " CLASS) is open on the same proxy until the class ends, and a proxy runs one"
                + " test at a time. Hint: remove the method's @PgIsolated to work in the class's"
                + " transaction, or give the class scope = METHOD.");
  }
}
