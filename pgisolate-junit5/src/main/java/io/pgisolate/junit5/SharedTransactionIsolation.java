package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.Isolated;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.isolation.Outcome;
import io.pgisolate.proxy.transactional.SharedTransaction;
import io.pgisolate.proxy.transactional.TransactionalProxy;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * SHARED_TRANSACTION: each test is a {@code BEGIN TEST} / {@code ROLLBACK TEST} on a transactional
 * proxy, and every connection made to the proxy meanwhile — the test's, an application's pool,
 * another process's — works in that one transaction. A proxy has one session, so its tests run one
 * at a time: {@link #begin} waits for the previous test to end.
 */
final class SharedTransactionIsolation implements Isolation {
  private final PgServer proxy;
  private final String database;
  private final DataSource dataSource;
  private final String description;
  private final AutoCloseable resources;
  private final Semaphore turn = new Semaphore(1, true);
  private volatile String openTest;

  /** BEGIN TEST and ROLLBACK TEST go here; only the test holding {@link #turn} touches it. */
  private Connection control;

  private SharedTransactionIsolation(
      PgServer proxy, String database, String description, AutoCloseable resources) {
    this.proxy = proxy;
    this.database = database;
    this.dataSource = proxy.dataSource(database);
    this.description = description;
    this.resources = resources;
  }

  /**
   * A proxy of this JVM in front of a database of its own: a clone of {@code pool}'s template (the
   * schema is built and committed there before any test), released when this is closed.
   *
   * @param cluster the temporary cluster the pool's server is, reached through its socket; null for
   *     an existing server
   */
  static SharedTransactionIsolation start(TempCluster cluster, PgServer server, ClonePool pool) {
    Clone clone = pool.acquire();
    try {
      TransactionalProxy.Builder builder = TransactionalProxy.builder();
      if (cluster != null) {
        builder.backend(cluster);
      } else {
        builder.backend(server);
      }
      TransactionalProxy started = builder.database(clone.name()).start();
      return new SharedTransactionIsolation(
          started.server(),
          clone.name(),
          "the transactional proxy " + started.host() + ":" + started.port() + " of this JVM",
          () -> {
            try {
              started.close();
            } finally {
              pool.release(clone);
            }
          });
    } catch (RuntimeException e) {
      pool.release(clone);
      throw e;
    }
  }

  /** A proxy some other process runs ({@code pgisolate proxy --mode transactional}). */
  static SharedTransactionIsolation external(String url) {
    PgServer proxy = PgServer.fromUrl(url);
    return new SharedTransactionIsolation(
        proxy,
        proxy.adminDatabase(),
        "the transactional proxy at " + proxy.host() + ":" + proxy.port(),
        () -> {});
  }

  @Override
  public IsolationMode mode() {
    return IsolationMode.SHARED_TRANSACTION;
  }

  @Override
  public Isolated begin(Duration timeout) {
    return begin(timeout, "pgisolate test");
  }

  @Override
  public Isolated begin(Duration timeout, String testName) {
    acquireTurn(timeout, testName);
    try {
      if (control == null) {
        control = connectControl(testName);
      }
      SharedTransaction test = SharedTransaction.begin(control, testName);
      openTest = testName;
      return new Open(test);
    } catch (RuntimeException e) {
      dropControl(); // the next test starts on a new one
      turn.release();
      throw e;
    }
  }

  private Connection connectControl(String testName) {
    try {
      return proxy.connect(database);
    } catch (PgIsolateException e) {
      throw new PgIsolateException(
          "could not begin test '" + testName + "' on " + description + ": " + e.getMessage(), e);
    }
  }

  private void dropControl() {
    if (control != null) {
      closeQuietly(control);
      control = null;
    }
  }

  private void acquireTurn(Duration timeout, String testName) {
    try {
      if (!turn.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new PgIsolateException(
            "timed out after "
                + timeout.toMillis()
                + " ms waiting to begin test '"
                + testName
                + "' on "
                + description
                + ": test '"
                + openTest
                + "' is still open, and a proxy runs one test at a time. Hint: look for a test"
                + " that hangs, or raise @PgIsolated(acquireTimeoutSeconds).");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException(
          "interrupted while waiting to begin test '" + testName + "' on " + description, e);
    }
  }

  /** Which proxy, for messages. */
  String description() {
    return description;
  }

  @Override
  public String state() {
    String open = openTest;
    return (open == null ? "no test open" : "test '" + open + "' open") + " on " + description;
  }

  @Override
  public void close() {
    try {
      if (turn.tryAcquire()) {
        dropControl();
      }
      resources.close();
    } catch (Exception e) {
      throw new PgIsolateException("could not stop " + description + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "SharedTransactionIsolation[" + state() + "]";
  }

  /** One open test, and the connections handed to it (closed before it is rolled back). */
  private final class Open implements Isolated {
    private final SharedTransaction test;
    private final List<Connection> connections = new ArrayList<>();

    Open(SharedTransaction test) {
      this.test = test;
    }

    @Override
    public IsolationMode mode() {
      return IsolationMode.SHARED_TRANSACTION;
    }

    @Override
    public PgServer server() {
      return proxy;
    }

    @Override
    public String database() {
      return database;
    }

    @Override
    public Optional<String> schema() {
      return Optional.empty();
    }

    @Override
    public String jdbcUrl() {
      return proxy.jdbcUrl(database);
    }

    @Override
    public String uri() {
      return proxy.uri(database);
    }

    @Override
    public DataSource dataSource() {
      return dataSource;
    }

    @Override
    public synchronized Connection connection() {
      Connection c = proxy.connect(database);
      connections.add(c);
      return c;
    }

    /** Closes the test's connections, then ROLLBACK TEST; nothing is ever kept. */
    @Override
    public Optional<String> end(Outcome outcome) {
      try {
        synchronized (this) {
          for (Connection c : connections) {
            if (outcome.failure().isPresent()) {
              cancelQuietly(c);
            }
            closeQuietly(c);
          }
          connections.clear();
        }
        test.close();
      } catch (RuntimeException e) {
        dropControl();
        throw e;
      } finally {
        openTest = null;
        turn.release();
      }
      return Optional.empty();
    }
  }

  /**
   * Cancels what a failed test's connection may still be running: a test that timed out leaves its
   * statement running on a thread of its own (JUnit's {@code @Timeout} in SEPARATE_THREAD mode),
   * where it holds the proxy's one session, and ROLLBACK TEST, and every later test, would wait for
   * it to end. The proxy forwards the cancel request to the server only while this client's own
   * statement runs there, so an idle connection's is dropped.
   */
  private static void cancelQuietly(Connection c) {
    try {
      if (!c.isClosed()) {
        c.unwrap(PGConnection.class).cancelQuery();
      }
    } catch (SQLException e) {
      // the test may have closed or broken it: nothing to cancel
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // the test may have closed or broken it: nothing to do
    }
  }
}
