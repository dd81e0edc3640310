package io.pgisolate.junit5;

import io.pgisolate.isolation.Isolated;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.sql.PgServer;
import java.sql.Connection;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The database a test was given: a database of its own, a schema of its own in a shared database, a
 * transaction that is rolled back after the test, or a transaction shared by every connection to a
 * transactional proxy (see {@link #isolation()}).
 */
public final class PgDatabase {
  private final Isolated isolated;

  /** Takes each connection {@link #connect()} makes, to close it in time. */
  private final UnaryOperator<Connection> tracker;

  PgDatabase(Isolated isolated) {
    this(isolated, UnaryOperator.identity());
  }

  PgDatabase(Isolated isolated, UnaryOperator<Connection> tracker) {
    this.isolated = isolated;
    this.tracker = tracker;
  }

  public IsolationMode isolation() {
    return isolated.mode();
  }

  /** The server it lives on; in SHARED_TRANSACTION isolation, the proxy (all clients use it). */
  public PgServer server() {
    return isolated.server();
  }

  /** The database name. */
  public String name() {
    return isolated.database();
  }

  /** The test's schema in SCHEMA and TRANSACTION isolation; empty in the others. */
  public Optional<String> schema() {
    return isolated.schema();
  }

  /**
   * A pgjdbc URL (with {@code currentSchema} in SCHEMA isolation; the proxy's in SHARED_TRANSACTION
   * isolation: every connection made with it works in the test's transaction).
   *
   * @throws io.pgisolate.PgIsolateException in TRANSACTION isolation, which has no URL
   */
  public String jdbcUrl() {
    return isolated.jdbcUrl();
  }

  /** A libpq URI (with {@code options=-csearch_path=…} in SCHEMA isolation); as jdbcUrl. */
  public String uri() {
    return isolated.uri();
  }

  public String host() {
    return server().host();
  }

  public int port() {
    return server().port();
  }

  public String user() {
    return server().user();
  }

  public String password() {
    return server().password();
  }

  /** Connections to it; in TRANSACTION isolation, handles on the test's transaction. */
  public DataSource dataSource() {
    return isolated.dataSource();
  }

  /** A new connection (a new handle in TRANSACTION isolation), closed after the test at latest. */
  public Connection connect() {
    return tracker.apply(isolated.connection());
  }

  @Override
  public String toString() {
    return "PgDatabase["
        + isolated.mode()
        + " "
        + name()
        + isolated.schema().map(s -> ", schema " + s).orElse("")
        + " on "
        + server()
        + "]";
  }
}
