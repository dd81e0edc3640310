package io.pgisolate.isolation;

import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOperation;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker of a {@link TransactionRunner}: a connection with a schema of its own, built from the
 * init source and committed before the connection opens the transaction that every test on it runs
 * in, inside a savepoint. The runner decides which test gets which worker and when a worker is
 * replaced; the worker does the SQL.
 *
 * <p>Why committed first: relations created in a transaction that is still open make every
 * subtransaction end in it do more work. PostgreSQL's relcache remembers up to 32 relations to
 * clean up at the end of the transaction; past that (a worker's schema has hundreds) it scans the
 * whole relcache at every {@code ROLLBACK TO SAVEPOINT} (relcache.c, AtEOSubXact_RelationCache).
 * And autovacuum cannot vacuum a table nobody else can see. The price is a schema that outlives a
 * worker that never ends (its JVM killed), hence a name that says which backend owns it ({@link
 * WorkerSchemas}).
 */
final class TransactionWorker {
  // The runner's logger: its workers' lines keep the category they were always logged under.
  private static final Logger log = LoggerFactory.getLogger(TransactionRunner.class);

  private final int id;
  private final SourceSchemas schemas;
  private final String runnerPrefix;
  private final String savepoint;
  private final Recycling recycling;
  private Connection connection;

  /** Named after its connection's backend once connected; null before. */
  private String schema;

  /** Its connection's backend: pid and start time (which tell it from a later one of that pid). */
  private int backendPid;

  private Timestamp backendStart;

  /** Counts its tests toward recycling; set once it is initialised. */
  private Recycling.Meter meter;

  /** Its connection's client-side settings as initialised: a test may change them. */
  private ClientSettings settings;

  /** When its current test took it ({@link System#nanoTime()}). */
  private long leasedAt;

  /** A replacement is being initialised (guarded by the runner's lock). */
  boolean retiring;

  /** Its replacement is ready: dropped when its test ends (guarded by the runner's lock). */
  boolean retired;

  /**
   * @param schemas where and how it builds its schema
   * @param runnerPrefix the start of its runner's schema names ({@link WorkerSchemas})
   * @param savepoint the savepoint its tests run in: random, so that a test cannot set it again
   */
  TransactionWorker(
      int id, SourceSchemas schemas, String runnerPrefix, String savepoint, Recycling recycling) {
    this.id = id;
    this.schemas = schemas;
    this.runnerPrefix = runnerPrefix;
    this.savepoint = savepoint;
    this.recycling = recycling;
  }

  int id() {
    return id;
  }

  String schema() {
    return schema;
  }

  /** A shared handle on its transaction for the test that took it. */
  TransactionalConnection.Shared share() {
    return new TransactionalConnection.Shared(
        connection, "worker " + id + " (schema " + schema + ")", schema);
  }

  /** A test took it now. */
  void leased() {
    leasedAt = System.nanoTime();
  }

  /** How long its current test has held it so far. */
  long heldNanos() {
    return System.nanoTime() - leasedAt;
  }

  /** Records a test that held it for {@code nanos}; says what it is due for. */
  Recycling.Due tested(long nanos) {
    return meter.tested(nanos);
  }

  /** Its tables were vacuumed, as {@link #tested} asked: its next tests judge the vacuum. */
  void vacuumed() {
    meter.vacuumed();
  }

  /**
   * Connects; builds its schema, committed; analyses it; then opens the transaction its tests run
   * in, with the savepoint they roll back to.
   */
  void init() throws SQLException {
    long start = System.nanoTime();
    connection = schemas.server().connect(schemas.database());
    // Idle in its transaction between tests for as long as it lives: a server (or database, or
    // role) configured to end such sessions would end the worker between two tests, failing the
    // next one. Off for this session; a test's SET of them is rolled back after it.
    PgServer.prepareLongLivedSession(connection);
    identifyBackend();
    schema = WorkerSchemas.name(runnerPrefix, id, backendPid);
    schemas.build(connection, schema);
    analyze();
    connection.setAutoCommit(false);
    try (Statement st = connection.createStatement()) {
      st.execute("SAVEPOINT " + savepoint); // opens the transaction too
    }
    settings = ClientSettings.initial(connection);
    long took = System.nanoTime() - start;
    meter = recycling.start(took);
    log.debug("TRANSACTION worker {} ready in schema {} in {} ms", id, schema, took / 1_000_000);
  }

  private void identifyBackend() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
      rs.next();
      backendPid = rs.getInt(1);
      backendStart = rs.getTimestamp(2);
    }
  }

  /**
   * Autovacuum would analyse the new tables only after its next nap (a minute by default), when the
   * first tests have run: without statistics the planner guesses (sequential scans where the tests'
   * queries would use an index). Its own tables only: the database may hold many more.
   */
  private void analyze() throws SQLException {
    List<String> tables = SourceSchemas.tables(connection, schema, true);
    if (!tables.isEmpty()) {
      try (Statement st = connection.createStatement()) {
        st.execute(
            "ANALYZE "
                + tables.stream()
                    .map(table -> Sql.identifier(schema) + "." + Sql.identifier(table))
                    .collect(Collectors.joining(", ")));
      }
    }
  }

  /**
   * Rolls back to the savepoint, which stays, ready for the next test. The savepoint's name is
   * random, so if the rollback works, the transaction is still the one this worker opened: one that
   * ended during the test took the savepoint with it.
   *
   * @param schemaChanged whether the test changed the schema: then the server-prepared statements
   *     planned against its tables go too ({@link TransactionalConnection#FORGET_PREPARED}), in the
   *     same round trip
   * @return why isolation was lost, or null
   */
  String restore(boolean schemaChanged) {
    try {
      if (connection.isClosed()) {
        return "the connection of worker "
            + id
            + " was closed during the test, ending the transaction the test ran in: the test"
            + " closed it (an unwrapped connection's close() or abort()), or pgjdbc did after an"
            + " I/O error (a network timeout the test set, the server ending the session). Hint:"
            + " close only the handles pgisolate gives out.";
      }
      cancelUnfinishedCopy();
      settings.restoreOn(connection);
      String rollback =
          "ROLLBACK TO SAVEPOINT "
              + savepoint
              + (schemaChanged ? "; " + TransactionalConnection.FORGET_PREPARED : "");
      try {
        execute(rollback);
      } catch (SQLException e) {
        if (!QUERY_CANCELED.equals(e.getSQLState())) {
          throw e;
        }
        execute(rollback); // a cancel sent for the test's statement came just too late
      }
      return null;
    } catch (SQLException e) {
      return "the transaction of worker "
          + id
          + " was ended during the test ("
          + e.getMessage().replaceAll("\\R\\s*", " ")
          + "): the test's changes may have been committed. Hint: do not send COMMIT, ROLLBACK"
          + " or END around pgisolate's connection handles (through an unwrapped connection).";
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute(sql);
    }
  }

  /** SQLState query_canceled. */
  private static final String QUERY_CANCELED = "57014";

  /** Cancels the statement running on its connection (as Statement.cancel() does), if any. */
  void cancelStatement() {
    try {
      connection.unwrap(PGConnection.class).cancelQuery();
      log.warn("TRANSACTION worker {}: its test ended with a statement running; cancelled it", id);
    } catch (SQLException | RuntimeException e) {
      log.debug("TRANSACTION worker {}: could not cancel its statement: {}", id, e.toString());
    }
  }

  /**
   * Cancels a COPY the test started through an unwrapped connection ({@code CopyManager}) and left
   * unfinished (it failed between copyIn and endCopy): pgjdbc keeps the connection for the COPY, so
   * the rollback would otherwise wait for it for ever, and with it every test queued for a worker.
   * pgjdbc has no public way to find it: read from its query executor, when it is the pgjdbc this
   * was written against (otherwise nothing is done).
   */
  private void cancelUnfinishedCopy() {
    if (COPY_LOCK == null) {
      return;
    }
    try {
      Object executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
      if (COPY_LOCK.getDeclaringClass().isInstance(executor)
          && COPY_LOCK.get(executor) instanceof CopyOperation copy
          && copy.isActive()) {
        log.warn(
            "TRANSACTION worker {}: the test left a COPY unfinished ({}); cancelling it", id, copy);
        copy.cancelCopy();
      }
    } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
      log.debug("TRANSACTION worker {}: could not cancel an unfinished COPY: {}", id, e.toString());
    }
  }

  /** pgjdbc's QueryExecutorImpl.lockedFor: the COPY that holds the connection, if any. */
  private static final Field COPY_LOCK = copyLock();

  private static Field copyLock() {
    try {
      Field f =
          Class.forName("org.postgresql.core.v3.QueryExecutorImpl").getDeclaredField("lockedFor");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Ends the worker: rolls its transaction back and drops its schema on its own connection, or from
   * a new connection when its own is broken (closed by a test, its backend gone); then closes it.
   *
   * @param lost whether a test ended its transaction (for the log)
   */
  void discard(boolean lost) {
    boolean dropped = schema == null || dropOnOwnConnection() || dropFromNewConnection();
    if (connection != null) {
      Connections.closeQuietly(connection);
      connection = null;
    }
    if (schema != null) {
      log.info(
          "TRANSACTION worker {} ended, its schema {} {}{}",
          id,
          schema,
          dropped ? "dropped" : "left for the next runner's sweep",
          lost ? " (lost)" : "");
    }
  }

  /**
   * Drops the schema from a new connection, its own being broken. Its backend may still be there,
   * holding locks on the schema's tables that the DROP would wait for: pgjdbc gave up on it (a
   * network timeout) while it runs the test's statement, which it learns its client is gone only
   * when it next writes to it — maybe minutes later. So that backend is ended first, and waited
   * for: the one with its pid and start time, never a later backend that got the same pid.
   */
  private boolean dropFromNewConnection() {
    try (Connection c = schemas.server().connect(schemas.database());
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
                    + " WHERE pid = ? AND backend_start = ?");
        Statement st = c.createStatement()) {
      ps.setInt(1, backendPid);
      ps.setTimestamp(2, backendStart);
      ps.execute();
      SourceSchemas.drop(st, schema);
      return true;
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not drop schema {} of TRANSACTION worker {}: {}", schema, id, e.toString());
      return false;
    }
  }

  private boolean dropOnOwnConnection() {
    if (connection == null) {
      return false;
    }
    try (Statement st = connection.createStatement()) {
      // As SQL, not Connection.rollback(): it also ends a transaction that a test (through an
      // unwrapped connection) or an init script opened behind pgjdbc's back.
      st.execute("ROLLBACK");
      connection.setAutoCommit(true);
      SourceSchemas.drop(st, schema);
      return true;
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }
}
