package io.pgisolate.isolation;

import static io.pgisolate.isolation.Db.count;
import static io.pgisolate.isolation.Db.countIn;
import static io.pgisolate.isolation.Db.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.template.InitSource;
import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;

/**
 * What a test can reach through the handles TRANSACTION isolation gives it: every JDBC object leads
 * back to a handle, never to the worker's connection; transactions of several handles nest, and
 * ending one out of order is refused.
 */
class TransactionHandlesIT {
  private static TempCluster cluster;
  private static TransactionRunner runner;

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    runner =
        TransactionRunner.start(
            cluster.server(), "postgres", InitSource.classpath("db/isolation/schema.sql"), 1);
  }

  /** A test's lease, ended after it if it did not end it (it failed): the runner has one worker. */
  private Isolated lease;

  private Isolated lease() {
    lease = runner.begin(Duration.ofSeconds(30));
    return lease;
  }

  @AfterEach
  void endLease() {
    if (lease != null) {
      try {
        lease.end(Outcome.passed("after a failure"));
      } catch (IsolationBrokenException e) {
        // the test's failure says more
      }
    }
  }

  @AfterAll
  static void stop() {
    runner.close();
    cluster.close();
  }

  /** A way from a handle to a connection, through the objects it hands out. */
  @FunctionalInterface
  interface Path {
    Connection from(Connection handle) throws SQLException;
  }

  static Stream<Named<Path>> pathsToAConnection() {
    return Stream.of(
        Named.of("statement", c -> c.createStatement().getConnection()),
        Named.of(
            "result set's statement",
            c -> c.createStatement().executeQuery("select 1").getStatement().getConnection()),
        Named.of(
            "statement's result set's statement",
            c -> {
              Statement st = c.createStatement();
              st.execute("select 1");
              return st.getResultSet().getStatement().getConnection();
            }),
        Named.of(
            "prepared statement's result set's statement",
            c -> c.prepareStatement("select 1").executeQuery().getStatement().getConnection()),
        Named.of(
            "generated keys' statement",
            c -> {
              PreparedStatement ps =
                  c.prepareStatement(
                      "insert into note (body) values ('key')", Statement.RETURN_GENERATED_KEYS);
              ps.executeUpdate();
              return ps.getGeneratedKeys().getStatement().getConnection();
            }),
        Named.of(
            "callable statement's result set's statement",
            c -> {
              CallableStatement cs = c.prepareCall("select 1");
              return cs.executeQuery().getStatement().getConnection();
            }),
        Named.of("metadata", c -> c.getMetaData().getConnection()),
        Named.of(
            "metadata result set's statement",
            c ->
                c.getMetaData().getTables(null, null, "note", null).getStatement().getConnection()),
        Named.of(
            "array's result set's statement",
            c -> {
              Array a = c.createArrayOf("int4", new Object[] {1, 2});
              return a.getResultSet().getStatement().getConnection();
            }),
        Named.of(
            "array column's result set's statement",
            c -> {
              ResultSet rs = c.createStatement().executeQuery("select array[1, 2]");
              rs.next();
              return rs.getArray(1).getResultSet().getStatement().getConnection();
            }),
        Named.of(
            "refcursor's statement",
            c -> {
              exec(
                  c,
                  "create function pg_temp.cur() returns refcursor language plpgsql"
                      + " as $$ declare r refcursor; begin open r for select 1; return r; end $$");
              ResultSet rs = c.createStatement().executeQuery("select pg_temp.cur()");
              rs.next();
              return ((ResultSet) rs.getObject(1)).getStatement().getConnection();
            }),
        Named.of("unwrap(PGConnection)", c -> (Connection) c.unwrap(PGConnection.class)),
        Named.of(
            "statement unwrapped to PGStatement",
            c -> ((Statement) c.createStatement().unwrap(PGStatement.class)).getConnection()));
  }

  @ParameterizedTest
  @MethodSource("pathsToAConnection")
  void everyWayToAConnectionLeadsBackToTheHandle(Path path) throws Exception {
    long seen =
        runner.run(
            c -> {
              Connection reached = path.from(c);
              assertThat(reached).isSameAs(c);
              c.setAutoCommit(false);
              exec(c, "insert into note (body) values ('committed through it')");
              reached.commit(); // onto a savepoint, as the handle's commit() is
              return count(c, "select count(*) from note where body = 'committed through it'");
            });
    assertThat(seen).isEqualTo(1);
    assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    assertThat(runner.replacements()).isZero();
  }

  @Test
  void aResultSetsStatementIsTheStatementThatMadeIt() throws Exception {
    runner.run(
        c -> {
          Statement st = c.createStatement();
          assertThat(st.executeQuery("select 1").getStatement()).isSameAs(st);
          PreparedStatement ps = c.prepareStatement("select 1");
          assertThat(ps.executeQuery().getStatement()).isSameAs(ps);
          return null;
        });
  }

  @Test
  void objectsKeptAfterTheTestEndedRefuseToRun() throws Exception {
    Isolated test = lease();
    Connection c = test.connection();
    ResultSet rs = c.createStatement().executeQuery("select generate_series(1, 1000)");
    PreparedStatement ps = c.prepareStatement("select 1");
    test.end(Outcome.passed("kept its objects"));
    assertThatThrownBy(rs::next)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("belonged to a test that has ended");
    assertThatThrownBy(ps::executeQuery).hasMessageContaining("belonged to a test that has ended");
  }

  // --- transactions of several handles nest: the one begun last ends first ---

  /**
   * A test's lease and two of its handles, each in a transaction with a row of its own, b's last.
   */
  private record Overlap(Isolated test, Connection a, Connection b) {}

  private Overlap overlap() throws SQLException {
    Isolated test = lease();
    Connection a = test.connection();
    Connection b = test.dataSource().getConnection();
    a.setAutoCommit(false);
    exec(a, "insert into note (body) values ('a')");
    b.setAutoCommit(false);
    exec(b, "insert into note (body) values ('b')");
    return new Overlap(test, a, b);
  }

  @Test
  void transactionsOfTwoHandlesEndedInReverseOrderWork() throws Exception {
    Overlap o = overlap();
    Isolated test = o.test();
    Connection a = o.a();
    Connection b = o.b();
    b.rollback();
    a.commit();
    assertThat(count(b, "select count(*) from note")).isEqualTo(2); // seed and 'a'
    test.end(Outcome.passed("nested"));
  }

  @Test
  void handlesInTransactionsUsedOneAfterAnotherDoNotOverlap() throws Exception {
    // As two connections kept with autocommit off: a transaction begins with its first statement.
    Isolated test = lease();
    Connection a = test.connection();
    Connection b = test.dataSource().getConnection();
    a.setAutoCommit(false);
    b.setAutoCommit(false);
    exec(a, "insert into note (body) values ('a1')");
    a.commit();
    exec(b, "insert into note (body) values ('b1')");
    b.commit();
    exec(a, "insert into note (body) values ('a2')");
    a.rollback();
    exec(b, "insert into note (body) values ('b2')");
    b.rollback();
    assertThat(count(a, "select count(*) from note")).isEqualTo(3); // seed, a1, b1
    a.commit();
    assertThat(test.end(Outcome.passed("one after another"))).isEmpty();
  }

  @Test
  void aStatementInATransactionUnderAnotherHandlesLaterOneIsRefused() throws Exception {
    Overlap o = overlap();
    Isolated test = o.test();
    Connection a = o.a();
    Connection b = o.b();
    // It would run in b's transaction, and go if b rolls back.
    assertThatThrownBy(() -> exec(a, "insert into note (body) values ('a, later')"))
        .hasMessageContaining("connection 1 of the test cannot run a statement in its transaction")
        .hasMessageContaining("connection 2 began a transaction after it");
    b.rollback();
    exec(a, "insert into note (body) values ('a, after b')");
    assertThat(count(a, "select count(*) from note")).isEqualTo(3);
    assertThatThrownBy(() -> test.end(Outcome.passed("overlapping")))
        .isInstanceOf(IsolationBrokenException.class);
  }

  @Test
  void committingATransactionWhileALaterOneOfAnotherHandleIsOpenIsRefused() throws Exception {
    Overlap o = overlap();
    Isolated test = o.test();
    Connection a = o.a();
    Connection b = o.b();
    // Releasing a's savepoint would release b's, nested in it: b's rollback would find none.
    assertThatThrownBy(a::commit)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("connection 1 of the test cannot commit")
        .hasMessageContaining("connection 2 began a transaction after it");
    // Refused, not done: both transactions are as they were.
    b.rollback();
    a.commit();
    assertThat(count(a, "select count(*) from note")).isEqualTo(2);
    // Recorded: the test fails even if its code caught the exception.
    assertThatThrownBy(() -> test.end(Outcome.passed("overlapping")))
        .isInstanceOf(IsolationBrokenException.class)
        .hasMessageContaining("connection 1 of the test cannot commit")
        .hasMessageContaining("Hint: end the transaction begun last first");
    assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
    assertThat(runner.replacements()).isZero();
  }

  @Test
  void rollingBackOrClosingUnderAnotherHandlesLaterTransactionIsRefused() throws Exception {
    Isolated test = lease();
    Connection a = test.connection();
    Connection b = test.dataSource().getConnection();
    a.setAutoCommit(false);
    Savepoint early = a.setSavepoint();
    b.setAutoCommit(false);
    exec(b, "insert into note (body) values ('b, still open')");
    // Each would roll back b's work with a's: refused, b's row stays.
    assertThatThrownBy(a::rollback)
        .hasMessageContaining("connection 1 of the test cannot roll back");
    assertThatThrownBy(() -> a.rollback(early))
        .hasMessageContaining("connection 1 of the test cannot roll back to a savepoint");
    assertThatThrownBy(() -> a.setAutoCommit(true))
        .hasMessageContaining("connection 1 of the test cannot commit");
    assertThatThrownBy(a::close).hasMessageContaining("connection 1 of the test cannot close");
    assertThat(count(b, "select count(*) from note")).isEqualTo(2);
    b.commit();
    assertThatThrownBy(() -> test.end(Outcome.passed("out of order")))
        .isInstanceOf(IsolationBrokenException.class)
        .hasMessageContaining("connection 1 of the test cannot roll back");
    assertThat(countIn(runner, "select count(*) from note")).isEqualTo(1);
  }

  @Test
  void whatAnotherHandleWritesInAutocommitLandsInAnOpenTransactionAndGoesWithIt() throws Exception {
    // Pinned, as documented: one session has one transaction; autocommit is emulated inside it.
    Isolated test = lease();
    Connection a = test.connection();
    Connection b = test.dataSource().getConnection();
    a.setAutoCommit(false);
    exec(a, "insert into note (body) values ('a')"); // a's transaction begins
    exec(b, "insert into note (body) values ('b, in autocommit')");
    a.rollback();
    assertThat(count(b, "select count(*) from note")).isEqualTo(1);
    test.end(Outcome.passed("autocommit inside a transaction"));
  }
}
