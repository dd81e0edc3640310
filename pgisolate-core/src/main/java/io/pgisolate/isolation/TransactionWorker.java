package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.InitTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker of a {@link TransactionRunner}: a connection whose transaction holds a schema of its
 * own, initialised from the init source and never committed, and the savepoint every test on it
 * runs in. The runner decides which test gets which worker and when a worker is replaced; the
 * worker does the SQL.
 */
final class TransactionWorker {
  // The runner's logger: its workers' lines keep the category they were always logged under.
  private static final Logger log = LoggerFactory.getLogger(TransactionRunner.class);

  private final int id;
  private final PgServer server;
  private final String database;
  private final InitSource source;
  private final String schema;
  private final String savepoint;
  private final Recycling recycling;
  private Connection connection;

  /** Counts its tests toward recycling; set once it is initialised. */
  private Recycling.Meter meter;

  /** When its current test took it ({@link System#nanoTime()}). */
  private long leasedAt;

  /** A replacement is being initialised (guarded by the runner's lock). */
  boolean retiring;

  /** Its replacement is ready: dropped when its test ends (guarded by the runner's lock). */
  boolean retired;

  /**
   * @param schema the schema it creates in its transaction
   * @param savepoint the savepoint its tests run in: random, so that a test cannot set it again
   */
  TransactionWorker(
      int id,
      PgServer server,
      String database,
      InitSource source,
      String schema,
      String savepoint,
      Recycling recycling) {
    this.id = id;
    this.server = server;
    this.database = database;
    this.source = source;
    this.schema = schema;
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

  /** Records a test that held it for {@code nanos}; true when it is due for recycling. */
  boolean tested(long nanos) {
    return meter.tested(nanos);
  }

  /** Connects, opens the transaction, creates its schema and runs the init source there. */
  void init() throws SQLException {
    long start = System.nanoTime();
    connection = server.connect(database);
    connection.setAutoCommit(false);
    try (Statement st = connection.createStatement()) {
      st.execute(
          "CREATE SCHEMA "
              + Sql.identifier(schema)
              + "; SET LOCAL search_path = "
              + Sql.identifier(schema));
    }
    TransactionalConnection.Shared init =
        new TransactionalConnection.Shared(connection, "worker " + id + " (initialising)", schema);
    source.apply(
        new InitTarget(
            server, database, Optional.of(schema), init.handle(), new HandleDataSource(init)));
    init.end();
    if (init.violation().isPresent()) {
      throw new PgIsolateException(init.violation().get());
    }
    analyze();
    try (Statement st = connection.createStatement()) {
      st.execute("SAVEPOINT " + savepoint);
    }
    long took = System.nanoTime() - start;
    meter = recycling.start(took);
    log.debug("TRANSACTION worker {} ready in schema {} in {} ms", id, schema, took / 1_000_000);
  }

  /**
   * Autovacuum cannot see the tables of an uncommitted schema: without statistics the planner
   * guesses (sequential scans where the tests' queries would use an index).
   */
  private void analyze() throws SQLException {
    String tables;
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relkind IN ('r', 'm', 'p')")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        tables = rs.getString(1);
      }
    }
    if (tables != null) {
      try (Statement st = connection.createStatement()) {
        st.execute("ANALYZE " + tables);
      }
    }
  }

  /**
   * Rolls back to the savepoint, which stays, ready for the next test. The savepoint's name is
   * random, so if the rollback works, the transaction is still the one this worker opened: one that
   * ended during the test took the savepoint with it.
   *
   * @return why isolation was lost, or null
   */
  String restore() {
    try {
      if (connection.isClosed()) {
        return "the test closed its worker's connection (worker "
            + id
            + "), ending the transaction it ran in. Hint: close only the handles pgisolate"
            + " gives out, not an unwrapped connection.";
      }
      try (Statement st = connection.createStatement()) {
        st.execute("ROLLBACK TO SAVEPOINT " + savepoint);
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

  /** Drops the connection; after a lost transaction, drops what may have been committed too. */
  void discard(boolean lost) {
    if (connection != null) {
      Connections.closeQuietly(connection);
      connection = null;
    }
    if (lost) {
      try (Connection c = server.connect(database);
          Statement st = c.createStatement()) {
        st.execute("SET lock_timeout = '10s'");
        st.execute("DROP SCHEMA IF EXISTS " + Sql.identifier(schema) + " CASCADE");
      } catch (SQLException | RuntimeException e) {
        log.warn("Could not drop schema {} after its transaction broke: {}", schema, e.toString());
      }
    }
    log.info("TRANSACTION worker {} dropped its connection{}", id, lost ? " (lost)" : "");
  }
}
