package io.pgisolate.isolation;

import io.pgisolate.sql.PgServer;
import java.sql.Connection;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * One test's isolated place: a database, a schema, or a transaction. {@link #end} must be called
 * once, after the test, from any thread.
 */
public interface Isolated {

  IsolationMode mode();

  PgServer server();

  /** The database the test works in. */
  String database();

  /** The schema unqualified names resolve to, when the mode gives one (SCHEMA, TRANSACTION). */
  Optional<String> schema();

  /**
   * A pgjdbc URL that reaches the isolated place (with {@code currentSchema} in SCHEMA mode).
   *
   * @throws io.pgisolate.PgIsolateException in TRANSACTION mode: a new connection cannot see the
   *     test's uncommitted transaction
   */
  String jdbcUrl();

  /** A libpq URI (with {@code options=-csearch_path=…} in SCHEMA mode); as {@link #jdbcUrl()}. */
  String uri();

  /** Connections of the isolated place; in TRANSACTION mode, handles on the test's transaction. */
  DataSource dataSource();

  /** A connection for the test, closed (or given back) by {@link #end} if the test did not. */
  Connection connection();

  /**
   * Ends the test's isolation: closes its connections, then drops, rolls back, recycles or keeps
   * what it used, as {@code outcome} says.
   *
   * @return where the kept database or schema is, when it was kept
   * @throws IsolationBrokenException when the test broke its isolation (a COMMIT sent as SQL, its
   *     schema dropped); the runner or pool has already recovered
   */
  Optional<String> end(Outcome outcome);
}
