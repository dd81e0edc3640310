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
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * What a test leaves on its worker's session that the rollback after it does not undo, and that the
 * next test on the worker must not see: pgjdbc's server-prepared statements planned against a
 * schema a test changed, COPY run around the handle's transaction, client-side settings.
 */
class TransactionSessionStateIT {
  private static final InitSource SCHEMA = InitSource.classpath("db/isolation/schema.sql");
  private static final String SELECT_NOTES = "select * from note";
  private static TempCluster cluster;
  private static PgServer server;

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    server = cluster.server();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** One worker: every test runs on the same session, after the one before. */
  private static TransactionRunner runner() {
    return TransactionRunner.start(server, "postgres", SCHEMA, 1);
  }

  /**
   * Runs {@link #SELECT_NOTES} {@code times} times through one PreparedStatement (pgjdbc prepares
   * it on the server from the 5th, and keeps it in its cache after close); its column count.
   */
  private static int selectNotes(Connection c, int times) throws SQLException {
    int columns = 0;
    try (PreparedStatement ps = c.prepareStatement(SELECT_NOTES)) {
      for (int i = 0; i < times; i++) {
        try (ResultSet rs = ps.executeQuery()) {
          columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            rs.getObject(columns);
          }
        }
      }
    }
    return columns;
  }

  /** What a body that counts columns returns (an int, for assertThat). */
  private static int columns(TransactionRunner runner, TransactionRunner.Body<Integer> body)
      throws Exception {
    return runner.run(body);
  }

  // --- server-prepared statements and a schema that a test changes, then rolls back ---

  @Test
  void aTestThatAltersATableAnEarlierTestPreparedAQueryOnGetsTheNewColumns() throws Exception {
    try (TransactionRunner runner = runner()) {
      assertThat(columns(runner, c -> selectNotes(c, 6))).isEqualTo(2);
      int columns =
          runner.run(
              c -> {
                exec(c, "alter table note add column extra int");
                return selectNotes(c, 6);
              });
      assertThat(columns).isEqualTo(3);
      // Prepared again in that test, for three columns; the next test finds two.
      assertThat(columns(runner, c -> selectNotes(c, 6))).as("rolled back").isEqualTo(2);
      assertThat(runner.replacements()).isZero();
    }
  }

  @Test
  void ddlDropsTheStatementsATestPreparedWithSqlToo() throws Exception {
    // The price of DEALLOCATE ALL, documented: PREPARE ... EXECUTE across DDL fails.
    try (TransactionRunner runner = runner()) {
      runner.run(
          c -> {
            exec(c, "prepare mine as select 1");
            exec(c, "create table made_here (id int)");
            assertThatThrownBy(() -> exec(c, "execute mine"))
                .hasMessageContaining("prepared statement \"mine\" does not exist");
            return null;
          });
    }
  }

  @Test
  void aQueryPreparedAfterDdlInAHandlesTransactionIsNotReusedOnceItRolledBack() throws Exception {
    try (TransactionRunner runner = runner()) {
      int columns =
          runner.run(
              c -> {
                c.setAutoCommit(false);
                exec(c, "alter table note add column extra int");
                assertThat(selectNotes(c, 6)).isEqualTo(3);
                c.rollback();
                return selectNotes(c, 6);
              });
      assertThat(columns).isEqualTo(2);
    }
  }

  @Test
  void ddlThroughAPreparedStatementOrABatchCountsToo() throws Exception {
    try (TransactionRunner runner = runner()) {
      runner.run(c -> selectNotes(c, 6));
      int columns =
          runner.run(
              c -> {
                try (PreparedStatement ps =
                    c.prepareStatement("alter table note add column extra int")) {
                  ps.execute();
                }
                try (Statement st = c.createStatement()) {
                  st.addBatch("alter table note add column more int");
                  st.executeBatch();
                }
                return selectNotes(c, 6);
              });
      assertThat(columns).isEqualTo(4);
      assertThat(columns(runner, c -> selectNotes(c, 6))).isEqualTo(2);
    }
  }

  /**
   * PostgreSQL 17: a server before 18 does not tell the client when a rollback puts search_path
   * back, so pgjdbc keeps what it prepared for the other schema.
   */
  @Test
  void aTestThatChangesTheSchemaItsQueriesFindGetsTheOtherTable() throws Exception {
    try (TempCluster pg17 = TempCluster.builder().version("17").start();
        TransactionRunner runner = TransactionRunner.start(pg17.server(), "postgres", SCHEMA, 1)) {
      try (Connection admin = pg17.server().connect("postgres")) {
        exec(admin, "create schema shadow");
        exec(admin, "create table shadow.note (a int, b int, c int, d int)");
      }
      runner.run(c -> selectNotes(c, 6));
      assertThat(
              columns(
                  runner,
                  c -> {
                    c.setSchema("shadow");
                    return selectNotes(c, 6);
                  }))
          .isEqualTo(4);
      assertThat(columns(runner, c -> selectNotes(c, 6))).isEqualTo(2);
      assertThat(
              columns(
                  runner,
                  c -> {
                    exec(c, "set search_path = shadow");
                    return selectNotes(c, 6);
                  }))
          .isEqualTo(4);
      assertThat(columns(runner, c -> selectNotes(c, 6))).isEqualTo(2);
    }
  }

  // --- COPY through PGConnection.getCopyAPI() ---

  private static long copyIn(Connection c, String rows) throws Exception {
    return c.unwrap(PGConnection.class)
        .getCopyAPI()
        .copyIn("COPY note (body) FROM STDIN", new StringReader(rows));
  }

  @Test
  void copyInAHandlesTransactionIsRolledBackWithIt() throws Exception {
    try (TransactionRunner runner = runner()) {
      long seen =
          runner.run(
              c -> {
                c.setAutoCommit(false);
                assertThat(copyIn(c, "copied\n")).isEqualTo(1); // the transaction's first statement
                assertThat(count(c, "select count(*) from note")).isEqualTo(2);
                c.rollback();
                return count(c, "select count(*) from note");
              });
      assertThat(seen).as("rolled back with the handle's transaction").isEqualTo(1);
    }
  }

  @Test
  void copyInAHandlesTransactionIsCommittedWithItAndGoneAfterTheTest() throws Exception {
    try (TransactionRunner runner = runner()) {
      long seen =
          runner.run(
              c -> {
                c.setAutoCommit(false);
                copyIn(c, "first\nsecond\n");
                c.commit();
                StringWriter out = new StringWriter();
                c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut("COPY (select body from note order by id) TO STDOUT", out);
                assertThat(out.toString()).isEqualTo("seed\nfirst\nsecond\n");
                return count(c, "select count(*) from note");
              });
      assertThat(seen).isEqualTo(3);
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    }
  }

  @Test
  void aCopyManagerKeptAfterItsTestEndedRefusesToCopy() throws Exception {
    try (TransactionRunner runner = runner()) {
      CopyManager kept = runner.run(c -> c.unwrap(PGConnection.class).getCopyAPI());
      assertThatThrownBy(
              () -> kept.copyIn("COPY note (body) FROM STDIN", new StringReader("late\n")))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("belonged to a test that has ended");
      assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    }
  }

  // --- large objects through PGConnection.getLargeObjectAPI() ---

  @Test
  void aLargeObjectMadeInAHandlesTransactionIsRolledBackWithIt() throws Exception {
    try (TransactionRunner runner = runner()) {
      long left =
          runner.run(
              c -> {
                c.setAutoCommit(false);
                LargeObjectManager objects = c.unwrap(PGConnection.class).getLargeObjectAPI();
                long oid = objects.createLO(); // the transaction's first statement
                try (LargeObject written = objects.open(oid, LargeObjectManager.WRITE)) {
                  written.write(new byte[] {1, 2, 3});
                }
                c.rollback();
                return count(c, "select count(*) from pg_largeobject_metadata where oid = " + oid);
              });
      assertThat(left).as("rolled back with the handle's transaction").isZero();
    }
  }

  @Test
  void aLargeObjectManagerKeptAfterItsTestEndedRefusesToWork() throws Exception {
    try (TransactionRunner runner = runner()) {
      LargeObjectManager kept = runner.run(c -> c.unwrap(PGConnection.class).getLargeObjectAPI());
      assertThatThrownBy(kept::createLO)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("belonged to a test that has ended");
    }
  }

  // --- client-side settings ---

  @Test
  void connectionSettingsKeptInPgjdbcDoNotReachTheNextTest() throws Exception {
    try (TransactionRunner runner = runner()) {
      // A copy: pgjdbc hands out its own Properties, which it changes.
      Map<Object, Object> before = new HashMap<>(runner.run(Connection::getClientInfo));
      String applicationName = (String) before.get("ApplicationName");
      String schema = runner.run(Connection::getSchema);
      runner.run(
          c -> {
            c.setTypeMap(Map.of("note", String.class));
            c.setClientInfo("ApplicationName", "leaky test");
            c.setSchema("pg_catalog");
            c.setReadOnly(true);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(c.getClientInfo("ApplicationName")).isEqualTo("leaky test");
            return null;
          });
      runner.run(
          c -> {
            assertThat(new HashMap<>(c.getClientInfo())).isEqualTo(before);
            assertThat(c.getClientInfo("ApplicationName")).isEqualTo(applicationName);
            assertThat(string(c, "show application_name")).isEqualTo(applicationName);
            assertThat(c.getSchema()).isEqualTo(schema);
            assertThat(c.isReadOnly()).isFalse();
            assertThat(c.getTransactionIsolation())
                .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(c.getTypeMap()).isEmpty();
            return null;
          });
      assertThat(runner.replacements()).isZero();
    }
  }
}
