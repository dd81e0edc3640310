package io.pgisolate.isolation;

import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vacuums the tables of a TRANSACTION worker's schema from a connection of its own, while the
 * worker's transaction stays open and its tests go on. The rows a test wrote were inserted by a
 * subtransaction that {@code ROLLBACK TO SAVEPOINT} aborted: VACUUM removes them even though the
 * worker's transaction is still open (aborted rows are dead to everyone, whatever the oldest
 * snapshot), and the pages they took are reused by later tests' rows. It does not try to truncate
 * the table: that needs ACCESS EXCLUSIVE, which it cannot get while the worker's transaction holds
 * ROW EXCLUSIVE, and VACUUM would keep trying for five seconds (vacuumlazy.c,
 * VACUUM_TRUNCATE_LOCK_TIMEOUT) before giving up. The table keeps its size, its pages mostly empty.
 *
 * <p>It must never hold up a test. VACUUM takes SHARE UPDATE EXCLUSIVE on one table at a time
 * (PostgreSQL docs, "Table-Level Locks"), which does not conflict with the ROW EXCLUSIVE that a
 * test's writes take; but a test that took a stronger lock (ALTER TABLE, LOCK TABLE) would keep it
 * waiting, so each table gets a short {@code lock_timeout} and is skipped when the wait runs out.
 * The other way round, a test asking for such a lock while its table is being vacuumed waits for
 * that one table, at most {@link #STATEMENT_TIMEOUT}. Errors are logged, never thrown.
 */
final class SchemaVacuum {
  private static final Logger log = LoggerFactory.getLogger(SchemaVacuum.class);

  /** How long it waits for one table's lock before skipping the table. */
  static final String LOCK_TIMEOUT = "100ms";

  /** How long one table's VACUUM may take: bounds the wait of a test behind it. */
  static final String STATEMENT_TIMEOUT = "10s";

  /** PostgreSQL's lock_not_available: the lock_timeout ran out. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";

  /** What one run did: the tables vacuumed, and those skipped (locked by a test, or failed). */
  record Result(List<String> vacuumed, List<String> skipped) {}

  private final PgServer server;
  private final String database;

  /** The statement of the VACUUM in progress, cancelled by {@link #stop()}; null between. */
  private volatile Statement running;

  private volatile boolean stopped;

  SchemaVacuum(PgServer server, String database) {
    this.server = server;
    this.database = database;
  }

  /** Vacuums each table of {@code schema} in turn; after {@link #stop()}, does nothing. */
  Result run(String schema) {
    List<String> vacuumed = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    if (stopped) {
      return new Result(vacuumed, skipped);
    }
    try (Connection c = server.connect(database);
        Statement st = c.createStatement()) {
      st.execute("SET lock_timeout = '" + LOCK_TIMEOUT + "'");
      st.execute("SET statement_timeout = '" + STATEMENT_TIMEOUT + "'");
      // The tables the init source committed: a test's own are invisible here, and gone at its
      // rollback anyway. Partitioned parents are left out: their partitions are listed.
      for (String table : SourceSchemas.tables(c, schema, false)) {
        if (stopped) {
          break;
        }
        running = st;
        try {
          st.execute(
              "VACUUM (TRUNCATE false) " + Sql.identifier(schema) + "." + Sql.identifier(table));
          vacuumed.add(table);
        } catch (SQLException e) {
          skipped.add(table);
          if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
            log.debug("Skipped vacuuming {}.{}: a test holds a lock on it", schema, table);
          } else if (!stopped) {
            log.warn("Could not vacuum {}.{} in {}: {}", schema, table, database, e.toString());
          }
        } finally {
          running = null;
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not vacuum schema {} in {}: {}", schema, database, e.toString());
    }
    return new Result(vacuumed, skipped);
  }

  /**
   * Stops for good: cancels the VACUUM in progress (a cancel that arrives after it ended does
   * nothing) and makes the runs to come return at once.
   */
  void stop() {
    stopped = true;
    Statement st = running;
    if (st != null) {
      try {
        st.cancel();
      } catch (SQLException | RuntimeException e) {
        log.debug("Could not cancel a VACUUM in {}: {}", database, e.toString());
      }
    }
  }
}
