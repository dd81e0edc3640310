package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.InitTarget;
import io.pgisolate.template.PgServer;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rollback per test, with the semantics of the Rust crate diesel_pg_tester: N workers, each with a
 * connection that opens a transaction, creates a schema of its own (never committed, so invisible
 * to every other session and gone if the JVM dies) and runs the init source in it once. Tests are
 * queued; a free worker runs the next one inside a savepoint and then rolls back to it (the
 * savepoint stays, so one round trip both restores and re-arms it) and checks in the same round
 * trip that its transaction is still the one it opened ({@code txid_current_if_assigned()}).
 *
 * <ul>
 *   <li>A test that throws an unexpected error (anything but an {@link AssertionError} or a JUnit
 *       abort) makes its worker drop its connection, aborting that transaction; a replacement
 *       worker starts while the others go on.
 *   <li>A test that ends the transaction (COMMIT as SQL through an unwrapped connection, closing
 *       the real connection) fails with {@link IsolationBrokenException}; its worker is replaced
 *       and whatever got committed is dropped.
 *   <li>If initialisation fails, the runner halts: every queued and later test fails at once with
 *       the initialisation error.
 * </ul>
 *
 * Tests reach the transaction through {@link TransactionalConnection} handles, which map commit,
 * rollback and savepoints onto savepoints and refuse transaction control sent as SQL.
 */
public final class TransactionRunner implements Isolation {
  private static final Logger log = LoggerFactory.getLogger(TransactionRunner.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SAVEPOINT = "pgi_test";

  /** A test body: gets a handle on its worker's transaction, returns a result. */
  @FunctionalInterface
  public interface Body<T> {
    T run(Connection connection) throws Exception;
  }

  private final PgServer server;
  private final String database;
  private final InitSource source;
  private final int size;
  private final String prefix;
  private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicInteger ready = new AtomicInteger();
  private final AtomicInteger busy = new AtomicInteger();
  private final AtomicInteger replaced = new AtomicInteger();
  private volatile PgIsolateException halted;
  private volatile boolean closed;

  private TransactionRunner(PgServer server, String database, InitSource source, int workers) {
    this.server = server;
    this.database = database;
    this.source = source;
    this.size = workers;
    this.prefix = String.format("pgi_x_%08x", RANDOM.nextInt(Integer.MAX_VALUE));
  }

  /**
   * Starts {@code workers} workers on {@code database}; they initialise in the background, and
   * tests submitted meanwhile wait in the queue.
   */
  public static TransactionRunner start(
      PgServer server, String database, InitSource source, int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("invalid workers '" + workers + "': at least 1.");
    }
    TransactionRunner runner = new TransactionRunner(server, database, source, workers);
    for (int i = 0; i < workers; i++) {
      runner.startWorker();
    }
    return runner;
  }

  @Override
  public IsolationMode mode() {
    return IsolationMode.TRANSACTION;
  }

  /** Queues {@code body}; the future completes with its result or its failure. */
  public <T> CompletableFuture<T> submit(Body<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    enqueue(
        new Job() {
          @Override
          Object run(TransactionalConnection.Shared shared) throws Exception {
            return body.run(shared.handle());
          }

          @SuppressWarnings("unchecked")
          @Override
          void finish(Object value, Throwable failure) {
            if (failure != null) {
              result.completeExceptionally(failure);
            } else {
              result.complete((T) value);
            }
          }
        });
    return result;
  }

  /** Runs {@code body} on a worker and returns its result, or throws what it threw. */
  public <T> T run(Body<T> body) throws Exception {
    try {
      return submit(body).get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * Leases a worker to the calling thread: the test runs there, on handles of the worker's
   * transaction, until {@link Isolated#end}. For front ends whose tests must run on their own
   * thread (JUnit).
   */
  @Override
  public Isolated begin(Duration timeout) {
    Lease lease = new Lease();
    enqueue(lease);
    try {
      return lease.handed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      if (lease.handed.cancel(false)) {
        throw new PgIsolateException(
            "timed out after "
                + timeout.toMillis()
                + " ms waiting for a TRANSACTION worker ("
                + state()
                + "). Hint: raise the number of workers or the acquire timeout; a worker is busy"
                + " until its test ends.");
      }
      return lease.handed.join();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r
          ? r
          : new PgIsolateException(cause.toString(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lease.handed.cancel(false);
      throw new PgIsolateException("interrupted while waiting for a TRANSACTION worker", e);
    }
  }

  @Override
  public String state() {
    return "workers="
        + size
        + ", ready="
        + ready.get()
        + ", busy="
        + busy.get()
        + ", queued="
        + queue.size()
        + ", replaced="
        + replaced.get()
        + (halted == null ? "" : ", halted: " + halted.getMessage());
  }

  /** How many workers were replaced after a test broke or threw. */
  public int replacements() {
    return replaced.get();
  }

  private void enqueue(Job job) {
    PgIsolateException h = halted;
    if (h != null) {
      job.fail(h);
      return;
    }
    if (closed) {
      job.fail(new PgIsolateException("the transaction runner on " + database + " is closed."));
      return;
    }
    queue.add(job);
    if (halted != null || closed) {
      drain(); // halted or closed meanwhile: nobody may take it
    }
  }

  private void drain() {
    List<Job> left = new ArrayList<>();
    queue.drainTo(left);
    PgIsolateException reason =
        halted != null
            ? halted
            : new PgIsolateException("the transaction runner on " + database + " is closed.");
    left.forEach(j -> j.fail(reason));
  }

  private void startWorker() {
    int id = ids.incrementAndGet();
    Thread t = new Thread(() -> new Worker(id).loop(), "pgisolate-tx-worker-" + id);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void halt(Throwable cause, int worker) {
    String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    synchronized (this) {
      if (halted == null) {
        halted =
            new PgIsolateException(
                "the TRANSACTION runner on database "
                    + database
                    + " halted: worker "
                    + worker
                    + " could not initialise from "
                    + source.identity()
                    + ": "
                    + why.replaceAll("\\R\\s*", " "),
                cause);
      }
    }
    drain();
  }

  /** Stops the workers (their transactions are rolled back) and fails what is still queued. */
  @Override
  public void close() {
    closed = true;
    drain();
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "TransactionRunner[" + database + ", " + source.identity() + ", " + state() + "]";
  }

  /** Something a worker runs inside its savepoint. */
  private abstract static class Job {
    abstract Object run(TransactionalConnection.Shared shared) throws Exception;

    /** Reports the result, or the failure (the test's own, or why isolation broke). */
    abstract void finish(Object value, Throwable failure);

    void fail(Throwable failure) {
      finish(null, failure);
    }
  }

  /** A worker leased to a test running on another thread. */
  private final class Lease extends Job implements Isolated {
    final CompletableFuture<Isolated> handed = new CompletableFuture<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();
    private volatile TransactionalConnection.Shared shared;
    private volatile String schema;

    @Override
    Object run(TransactionalConnection.Shared s) throws Exception {
      this.shared = s;
      this.schema = s.schema;
      if (!handed.complete(this)) {
        return null; // the caller gave up waiting
      }
      Outcome o;
      try {
        o = outcome.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
      if (o.failure().isPresent()) {
        Throwable f = o.failure().get();
        if (f instanceof Exception ex) {
          throw ex;
        }
        throw new TestFailure(f);
      }
      return null;
    }

    @Override
    void finish(Object value, Throwable failure) {
      if (!handed.isDone()) {
        handed.completeExceptionally(failure);
        return;
      }
      Throwable own = failure instanceof TestFailure t ? t.getCause() : failure;
      ended.complete(Optional.ofNullable(own));
    }

    @Override
    public IsolationMode mode() {
      return IsolationMode.TRANSACTION;
    }

    @Override
    public PgServer server() {
      return server;
    }

    @Override
    public String database() {
      return database;
    }

    @Override
    public Optional<String> schema() {
      return Optional.of(schema);
    }

    @Override
    public String jdbcUrl() {
      throw noUrl();
    }

    @Override
    public String uri() {
      throw noUrl();
    }

    private PgIsolateException noUrl() {
      return new PgIsolateException(
          "TRANSACTION isolation has no URL: the test's data lives in an uncommitted transaction"
              + " that a new connection cannot see. Hint: use the injected Connection or"
              + " DataSource (they hand out handles on that transaction), or isolation = SCHEMA"
              + " or DATABASE for code that opens its own connections from a URL.");
    }

    @Override
    public DataSource dataSource() {
      return new HandleDataSource(shared);
    }

    @Override
    public Connection connection() {
      return shared.handle();
    }

    @Override
    public Optional<String> end(Outcome o) {
      outcome.complete(o);
      Optional<Throwable> failure;
      try {
        failure = ended.get(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PgIsolateException("interrupted while rolling back the test", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new PgIsolateException("the TRANSACTION worker did not roll back the test: " + e, e);
      }
      if (failure.isPresent() && failure.get() instanceof IsolationBrokenException broken) {
        throw broken;
      }
      return Optional.empty(); // a rolled-back transaction cannot be kept
    }
  }

  /** Carries a test's Throwable that is not an Exception through {@link Job#run}. */
  private static final class TestFailure extends Exception {
    private static final long serialVersionUID = 1L;

    TestFailure(Throwable cause) {
      super(cause);
    }
  }

  /** Whether a failure is a test's normal way of failing, after which its worker can go on. */
  static boolean expected(Throwable t) {
    Throwable f = t instanceof TestFailure ? t.getCause() : t;
    return f instanceof AssertionError
        || f.getClass().getName().equals("org.opentest4j.TestAbortedException");
  }

  /** One worker: its connection, its transaction and schema; logs if its thread dies. */
  private final class Worker implements Thread.UncaughtExceptionHandler {
    private final int id;
    private Connection connection;
    private String schema;
    private long xid;

    Worker(int id) {
      this.id = id;
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
      log.warn("TRANSACTION worker {} died: {}", id, e.toString());
    }

    void loop() {
      Thread.currentThread().setUncaughtExceptionHandler(this);
      try {
        try {
          init();
        } catch (Exception | Error e) {
          if (!closed) {
            halt(e, id);
          }
          return;
        }
        ready.incrementAndGet();
        while (!closed) {
          Job job;
          try {
            job = queue.take();
          } catch (InterruptedException e) {
            return;
          }
          PgIsolateException h = halted;
          if (h != null) {
            job.fail(h);
            continue;
          }
          ready.decrementAndGet();
          busy.incrementAndGet();
          boolean keep;
          try {
            keep = runOne(job);
          } finally {
            busy.decrementAndGet();
          }
          if (!keep) {
            if (!closed) {
              replaced.incrementAndGet();
              startWorker();
            }
            return;
          }
          ready.incrementAndGet();
        }
      } finally {
        if (connection != null) {
          Connections.closeQuietly(connection); // rolls the transaction back
        }
        threads.remove(Thread.currentThread());
      }
    }

    private void init() throws SQLException {
      schema = prefix + "_" + id;
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
          new TransactionalConnection.Shared(
              connection, "worker " + id + " (initialising)", schema);
      source.apply(
          new InitTarget(
              server, database, Optional.of(schema), init.handle(), new HandleDataSource(init)));
      init.end();
      if (init.violation().isPresent()) {
        throw new PgIsolateException(init.violation().get());
      }
      try (Statement st = connection.createStatement();
          ResultSet rs = st.executeQuery("SELECT txid_current()")) {
        rs.next();
        xid = rs.getLong(1);
      }
      try (Statement st = connection.createStatement()) {
        st.execute("SAVEPOINT " + SAVEPOINT);
      }
      log.debug("TRANSACTION worker {} ready in schema {} (xid {})", id, schema, xid);
    }

    /** Runs one job inside the savepoint; false when the worker must be replaced. */
    private boolean runOne(Job job) {
      TransactionalConnection.Shared shared =
          new TransactionalConnection.Shared(
              connection, "worker " + id + " (schema " + schema + ")", schema);
      Object value = null;
      Throwable thrown = null;
      try {
        value = job.run(shared);
      } catch (Exception | Error e) {
        thrown = e;
      }
      shared.end();
      String lost = restore();
      Throwable failure = thrown;
      if (shared.violation().isPresent()) {
        failure = new IsolationBrokenException(shared.violation().get());
      } else if (lost != null) {
        failure = new IsolationBrokenException(lost);
      }
      if (failure != thrown && thrown != null) {
        failure.addSuppressed(thrown instanceof TestFailure ? thrown.getCause() : thrown);
      }
      boolean keep = lost == null && (thrown == null || expected(thrown)) && !closed;
      if (!keep) {
        discard(lost != null);
      }
      job.finish(value, failure);
      return keep;
    }

    /**
     * Rolls back to the savepoint (which stays, ready for the next test) and checks in the same
     * round trip that the transaction is still the one this worker opened.
     *
     * @return why isolation was lost, or null
     */
    private String restore() {
      try {
        if (connection.isClosed()) {
          return "the test closed its worker's connection (worker "
              + id
              + "), ending the transaction it ran in. Hint: close only the handles pgisolate"
              + " gives out, not an unwrapped connection.";
        }
        try (Statement st = connection.createStatement()) {
          st.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; SELECT txid_current_if_assigned()");
          st.getMoreResults();
          try (ResultSet rs = st.getResultSet()) {
            rs.next();
            long now = rs.getLong(1);
            if (rs.wasNull() || now != xid) {
              return "the transaction of worker "
                  + id
                  + " was ended during the test and another one began (xid "
                  + xid
                  + ", now "
                  + (rs.wasNull() ? "none" : now)
                  + "): the test's changes may have been committed. Hint: do not send COMMIT,"
                  + " ROLLBACK or BEGIN around pgisolate's connection handles.";
            }
          }
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
    private void discard(boolean lost) {
      Connections.closeQuietly(connection);
      connection = null;
      if (lost) {
        try (Connection c = server.connect(database);
            Statement st = c.createStatement()) {
          st.execute("SET lock_timeout = '10s'");
          st.execute("DROP SCHEMA IF EXISTS " + Sql.identifier(schema) + " CASCADE");
        } catch (SQLException | RuntimeException e) {
          log.warn(
              "Could not drop schema {} after its transaction broke: {}", schema, e.toString());
        }
      }
      log.info("TRANSACTION worker {} dropped its connection{}", id, lost ? " (lost)" : "");
    }
  }
}
