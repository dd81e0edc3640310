package io.pgisolate.junit5;

import static io.pgisolate.junit5.ExtensionBehaviourIT.message;
import static io.pgisolate.junit5.PgIsolatedIT.count;
import static io.pgisolate.junit5.PgIsolatedIT.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.IsolationMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A suite of 200 tests in every mode, run in parallel, whose tests leave connections open: when it
 * has run, the server holds no connection and no database of it (templates aside).
 */
class ResourceUseIT {

  @PgIsolated(scripts = "db/junit/schema.sql")
  @Execution(ExecutionMode.CONCURRENT)
  static class LeakingDatabaseTests {
    @RepeatedTest(80)
    void leavesAConnectionOpen(DataSource ds) throws Exception {
      Connection leaked = ds.getConnection();
      leaked.createStatement().execute("insert into note (body) values ('leaked')");
    }

    @Test
    void aborted(Connection c) {
      Assumptions.assumeTrue(false, "not here");
    }

    @Test
    @Disabled("never runs")
    void disabled(Connection c) {}
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
  @Execution(ExecutionMode.CONCURRENT)
  static class LeakingSchemaTests {
    @RepeatedTest(40)
    void leavesAConnectionOpen(@JdbcUrl String url) throws Exception {
      Connection leaked = DriverManager.getConnection(url);
      leaked.createStatement().execute("insert into note (body) values ('leaked')");
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  @Execution(ExecutionMode.CONCURRENT)
  static class LeakingTransactionTests {
    @RepeatedTest(60)
    void leavesAHandleInATransaction(DataSource ds) throws Exception {
      Connection leaked = ds.getConnection();
      leaked.setAutoCommit(false);
      leaked.createStatement().execute("insert into note (body) values ('leaked')");
      assertThat(count(leaked, "select count(*) from note")).isEqualTo(2);
    }
  }

  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
  static class SharedTransactionTests {
    @RepeatedTest(20)
    void leavesTheInjectedConnectionInATransaction(Connection c) throws Exception {
      c.setAutoCommit(false);
      c.createStatement().execute("insert into note (body) values ('leaked')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  @Test
  void aSuiteOf200TestsLeavesNoConnectionAndNoDatabaseBehind() throws Exception {
    try (TempCluster server = TempCluster.builder().start()) {
      EngineExecutionResults results =
          EngineTestKit.engine("junit-jupiter")
              .selectors(
                  selectClass(LeakingDatabaseTests.class),
                  selectClass(LeakingSchemaTests.class),
                  selectClass(LeakingTransactionTests.class),
                  selectClass(SharedTransactionTests.class))
              .configurationParameter("pgisolate.url", server.uri())
              .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
              .configurationParameter(
                  "junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
              .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
              .configurationParameter(
                  "junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
              .configurationParameter("pgisolate.transaction.workers", "2")
              .execute();
      assertThat(results.allEvents().failed().stream().map(e -> message(e)).toList()).isEmpty();
      results
          .testEvents()
          .assertStatistics(s -> s.started(201).succeeded(200).aborted(1).skipped(1));
      try (Connection admin = server.dataSource().getConnection()) {
        assertThat(
                eventually(
                    () ->
                        query(
                            admin,
                            "select string_agg(datname || ' ' || state, ', ') from"
                                + " pg_stat_activity where backend_type = 'client backend'"
                                + " and pid <> pg_backend_pid()")))
            .as("connections left")
            .isNull();
        assertThat(
                query(
                    admin,
                    "select string_agg(datname, ', ') from pg_database"
                        + " where not datistemplate and datname <> 'postgres'"))
            .as("databases left")
            .isNull();
      }
    }
  }

  private static String query(Connection c, String sql) {
    try {
      return string(c, sql);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * What {@code value} gives once it is null, or its last value after 10 s: a backend whose client
   * closed its connection takes a moment to exit.
   */
  private static String eventually(Supplier<String> value) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String last = value.get();
    while (last != null && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      last = value.get();
    }
    return last;
  }
}
