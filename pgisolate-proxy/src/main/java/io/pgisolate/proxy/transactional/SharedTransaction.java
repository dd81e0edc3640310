package io.pgisolate.proxy.transactional;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.util.PSQLException;

/**
 * One test on a transactional proxy: {@code BEGIN TEST 'name'} when it begins, {@code ROLLBACK TEST
 * 'name'} when it is closed, which undoes everything every client of the proxy did meanwhile — the
 * test's own connections, an application's connection pool, other processes. Both are sent on a
 * control connection, held for the test's length: one of its own, or one the caller passes and
 * keeps (saving a connect per test).
 *
 * <pre>{@code
 * try (SharedTransaction test = SharedTransaction.begin(proxyJdbcUrl, "OrderIT#placesAnOrder")) {
 *   // drive the application under test, which connects to the proxy with a pool of its own
 * } // ROLLBACK TEST: the database is as it was before
 * }</pre>
 *
 * <p>A proxy runs one test at a time: {@code begin} waits, up to the proxy's wait timeout, while
 * another client's test is open (so test JVMs sharing a proxy take turns). The test is begun {@code
 * ON DISCONNECT ROLLBACK}: should the JVM die before {@code close} (a Surefire fork killed on
 * timeout), its control connection closes and the proxy rolls the test back itself, so the tests
 * waiting for it go on at once. Safe to close from any thread; closing twice does nothing.
 */
public final class SharedTransaction implements AutoCloseable {
  /** pgjdbc's SQLState for a syntax error: what PostgreSQL itself answers to BEGIN TEST. */
  private static final String SYNTAX_ERROR = "42601";

  private final Connection control;
  private final boolean ownsControl;
  private final String name;
  private final String where;
  private boolean closed;

  private SharedTransaction(Connection control, boolean ownsControl, String name, String where) {
    this.control = control;
    this.ownsControl = ownsControl;
    this.name = name;
    this.where = where;
  }

  /**
   * Begins test {@code name} on the transactional proxy at {@code proxyUrl} ({@code
   * jdbc:postgresql://host:port/db?user=…} or {@code postgres://user@host:port/db}).
   *
   * @throws PgIsolateException when the proxy cannot be reached, is not a transactional proxy, or
   *     another test stayed open longer than the proxy's wait timeout; the message says which, with
   *     a hint
   */
  public static SharedTransaction begin(String proxyUrl, String name) {
    Objects.requireNonNull(proxyUrl, "proxyUrl");
    requireName(name);
    PgServer proxy = PgServer.fromUrl(proxyUrl);
    Connection control;
    try {
      control = proxy.connect(proxy.adminDatabase());
    } catch (PgIsolateException e) {
      throw new PgIsolateException(
          "could not begin test " + Sql.literal(name) + ": " + e.getMessage(), e);
    }
    return begin(control, true, name);
  }

  /**
   * Begins test {@code name} on the transactional proxy that {@code proxy}'s connections reach.
   *
   * @throws PgIsolateException as {@link #begin(String, String)}
   */
  public static SharedTransaction begin(DataSource proxy, String name) {
    Objects.requireNonNull(proxy, "proxy");
    requireName(name);
    Connection control;
    try {
      control = proxy.getConnection();
    } catch (SQLException e) {
      throw new PgIsolateException(
          "could not begin test "
              + Sql.literal(name)
              + ": cannot connect through "
              + proxy
              + ": "
              + oneLine(e)
              + ". Hint: check that the transactional proxy runs and the DataSource points at it.",
          e);
    }
    return begin(control, true, name);
  }

  /**
   * Begins test {@code name} on {@code control}, a connection to a transactional proxy that stays
   * the caller's: {@link #close()} sends ROLLBACK TEST on it and leaves it open for the next test.
   * It is switched to autocommit. Closing it before the test ends rolls the test back.
   *
   * @throws PgIsolateException as {@link #begin(String, String)}
   */
  public static SharedTransaction begin(Connection control, String name) {
    Objects.requireNonNull(control, "control");
    requireName(name);
    return begin(control, false, name);
  }

  private static SharedTransaction begin(Connection control, boolean owned, String name) {
    String where = where(control);
    try (Statement statement = control.createStatement()) {
      // With autocommit off pgjdbc would send BEGIN first, and BEGIN TEST refuses to run inside a
      // transaction.
      control.setAutoCommit(true);
      statement.execute("BEGIN TEST " + Sql.literal(name) + " ON DISCONNECT ROLLBACK");
      return new SharedTransaction(control, owned, name, where);
    } catch (SQLException e) {
      if (owned) {
        closeQuietly(control);
      }
      throw beginFailed(name, where, e);
    }
  }

  private static PgIsolateException beginFailed(String name, String where, SQLException e) {
    String what = "could not begin test " + Sql.literal(name) + " on " + where + ": ";
    if (SYNTAX_ERROR.equals(e.getSQLState())) {
      return new PgIsolateException(
          what
              + "it answered BEGIN TEST with a syntax error ("
              + oneLine(e)
              + "), so it is not a transactional proxy but PostgreSQL itself or a proxy in"
              + " another mode. Hint: start one with `pgisolate proxy --mode transactional` or"
              + " TransactionalProxy.start(...) and use its URL.",
          e);
    }
    String message = oneLine(e);
    String hint;
    if (message.contains("BEGIN TEST waits while another test is open")) {
      hint =
          "a transactional proxy runs one test at a time and the others wait for it, up to its"
              + " wait timeout: look for a SharedTransaction that is not closed, or a test that"
              + " another client began without ON DISCONNECT ROLLBACK and never ended"
              + " (ROLLBACK TEST 'name' from any connection ends it), or"
              + " raise the wait timeout (--wait-timeout, TransactionalProxy.builder().waitTimeout)"
              + " when tests from several JVMs queue longer than that, or give each JVM a proxy.";
    } else if (message.contains("is already open")) {
      hint =
          "this connection's own test is still open: close its SharedTransaction (ROLLBACK TEST)"
              + " first.";
    } else {
      hint = serverHint(e).orElse("check the proxy's log.");
    }
    return new PgIsolateException(what + message + ". Hint: " + hint, e);
  }

  private static void requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          "a shared-transaction test needs a name (it appears in the server log), was "
              + (name == null ? "null" : "'" + name + "'"));
    }
  }

  /** The name given to BEGIN TEST. */
  public String name() {
    return name;
  }

  /**
   * Sends {@code ROLLBACK TEST 'name'}, undoing everything every client did since {@code BEGIN
   * TEST}, and closes the control connection unless it is the caller's.
   *
   * @throws PgIsolateException when the proxy could not roll the test back (its shared session was
   *     lost, or another client ended the test); the message says so
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try (Statement statement = control.createStatement()) {
      statement.execute("ROLLBACK TEST " + Sql.literal(name));
    } catch (SQLException e) {
      throw new PgIsolateException(
          "could not roll back test "
              + Sql.literal(name)
              + " on "
              + where
              + ": "
              + oneLine(e)
              + ". Hint: another client may have ended the test, or the proxy lost its"
              + " PostgreSQL session; check the proxy's log.",
          e);
    } finally {
      if (ownsControl) {
        closeQuietly(control);
      }
    }
  }

  @Override
  public String toString() {
    return "SharedTransaction["
        + Sql.literal(name)
        + " on "
        + where
        + (closed ? ", ended" : "")
        + "]";
  }

  /** The server's own message (without pgjdbc's added lines), on one line. */
  static String oneLine(SQLException e) {
    String message =
        e instanceof PSQLException p && p.getServerErrorMessage() != null
            ? p.getServerErrorMessage().getMessage()
            : e.getMessage();
    return String.valueOf(message).replaceAll("\\R\\s*", " ").strip();
  }

  private static Optional<String> serverHint(SQLException e) {
    return e instanceof PSQLException p && p.getServerErrorMessage() != null
        ? Optional.ofNullable(p.getServerErrorMessage().getHint())
        : Optional.empty();
  }

  /** Where a connection goes, for messages: its URL without the query (which may hold secrets). */
  private static String where(Connection connection) {
    try {
      return "the proxy at " + connection.getMetaData().getURL().replaceFirst("\\?.*", "");
    } catch (SQLException e) {
      return "the proxy";
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // already failing: the original error is the one to report
    }
  }
}
