package io.pgisolate.isolation;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.core.BaseConnection;

/**
 * The connection a test gets in TRANSACTION isolation: a handle on its worker's connection, which
 * is inside a transaction that is rolled back after the test. Transaction control is mapped onto
 * savepoints, as Spring's NESTED propagation and Django's TestCase do:
 *
 * <ul>
 *   <li>{@code setAutoCommit(false)} sets a savepoint that stands for the handle's transaction;
 *       {@code commit()} releases it and sets a new one; {@code rollback()} rolls back to it;
 *       {@code setAutoCommit(true)} releases it; {@code close()} with a transaction open rolls it
 *       back. Committing a failed transaction rolls it back silently, as pgjdbc does.
 *   <li>{@code setSavepoint}, {@code rollback(Savepoint)} and {@code releaseSavepoint} are real
 *       savepoints, nested inside.
 *   <li>The handles of one test share one session, so their transactions nest: a handle may end its
 *       transaction (or a savepoint) only when no other handle began one after it; otherwise that
 *       is refused and recorded ({@link NestedSavepoints}).
 *   <li>Every JDBC object it hands out (statements, result sets, metadata, arrays) leads back to it
 *       ({@link HandleObject}), and so does {@code unwrap(PGConnection.class)}; a COPY through its
 *       {@code getCopyAPI()} is one of its statements ({@link HandleCopyManager}), and so is a
 *       large object's creation, opening or deletion ({@link HandleLargeObjects}).
 *   <li>After a statement that changes the schema, and after every rollback in a test that ran one,
 *       pgjdbc's server-prepared statements are dropped ({@link #FORGET_PREPARED}).
 *   <li>COMMIT, ROLLBACK, BEGIN, END, ABORT, START/PREPARE TRANSACTION sent as SQL are refused with
 *       SQLState 2D000 and recorded, so the test fails even if it catches the exception.
 *   <li>{@code setTransactionIsolation} and {@code setReadOnly} are remembered, not applied: the
 *       outer transaction has begun.
 * </ul>
 *
 * Differences from a real connection that remain: in autocommit mode a failing statement aborts the
 * test's transaction (later statements fail until {@code rollback()} of an explicit transaction);
 * {@code unwrap} to a pgjdbc class ({@code BaseConnection}, {@code PgConnection}) reaches the
 * worker's real connection, bypassing these checks (the runner still detects a transaction ended
 * behind its back).
 */
final class TransactionalConnection implements InvocationHandler, HandleObject.Owner {

  /** What one test's handles share. */
  static final class Shared {
    final Connection real;
    final String name;
    final String schema;
    private final AtomicInteger savepoints = new AtomicInteger();
    private final AtomicInteger handles = new AtomicInteger();

    /** Statements running now, through any handle (a test may use threads of its own). */
    private final AtomicInteger running = new AtomicInteger();

    private final AtomicReference<String> violation = new AtomicReference<>();

    /** Guarded by this: the savepoints the handles have open, to keep their ends in order. */
    private final NestedSavepoints<TransactionalConnection> nested = new NestedSavepoints<>();

    private volatile boolean ended;

    /** A statement of the test changed the schema ({@link #FORGET_PREPARED}). */
    private volatile boolean schemaChanged;

    /**
     * @param real the worker's connection
     * @param name names the worker in messages
     * @param schema the worker's schema
     */
    Shared(Connection real, String name, String schema) {
      this.real = real;
      this.name = name;
      this.schema = schema;
    }

    Connection handle() {
      TransactionalConnection h = new TransactionalConnection(this, handles.incrementAndGet());
      // Connection and pgjdbc's public PGConnection: unwrap(PGConnection.class) gives the handle.
      Connection proxy =
          (Connection)
              Proxy.newProxyInstance(
                  TransactionalConnection.class.getClassLoader(),
                  HandleObject.interfaces(real.getClass()),
                  h);
      h.proxy = proxy;
      return proxy;
    }

    /** The first transaction control statement a handle refused, as a message. */
    Optional<String> violation() {
      return Optional.ofNullable(violation.get());
    }

    /**
     * Whether a statement of the test changed the schema: the rollback after it must be followed by
     * {@link #FORGET_PREPARED}.
     */
    boolean schemaChanged() {
      return schemaChanged;
    }

    /** After the test: every handle refuses further use. */
    void end() {
      ended = true;
    }

    /** Whether a statement the test started is still running (on a thread of its own). */
    boolean running() {
      return running.get() > 0;
    }

    SQLException refuse(String keyword, String sql) {
      String message =
          "pgisolate: the test sent "
              + keyword
              + " as SQL ('"
              + abbreviate(sql)
              + "'). In TRANSACTION isolation the test runs inside a transaction that is rolled"
              + " back afterwards; "
              + keyword
              + " would end it and break the isolation, so it was not sent. Hint: use"
              + " Connection.commit(), rollback() or setAutoCommit() (mapped onto savepoints), or"
              + " isolation = SCHEMA or DATABASE for code that sends its own transaction control.";
      violation.compareAndSet(null, message);
      return new SQLException(message, "2D000");
    }

    /**
     * Refuses {@code what} on handle {@code h} if it would end a savepoint under one that another
     * handle set after it; recorded, as SQL transaction control is, so that the test fails even if
     * it caught the exception.
     */
    void ensureInOrder(TransactionalConnection h, Object savepoint, String what)
        throws SQLException {
      TransactionalConnection later = nested.laterOfAnother(h, savepoint);
      if (later == null) {
        return;
      }
      String message =
          "pgisolate: connection "
              + h.number
              + " of the test cannot "
              + what
              + ": connection "
              + later.number
              + " began a transaction after it (or set a savepoint) and has not ended it. In"
              + " TRANSACTION isolation a test's connections are handles on one session, where"
              + " transactions can only nest: ending connection "
              + h.number
              + "'s would end connection "
              + later.number
              + "'s with it, so it was not done. Hint: end the transaction begun last first, or"
              + " use isolation = SCHEMA or DATABASE for code that interleaves transactions on"
              + " several connections.";
      violation.compareAndSet(null, message);
      throw new SQLException(message, "25000");
    }

    private String savepointName() {
      return "pgi_tx_" + savepoints.incrementAndGet();
    }
  }

  /**
   * Drops the session's prepared statements. pgjdbc prepares a PreparedStatement on the server
   * after a few runs (prepareThreshold) and keeps it, for its SQL text, after close; once the
   * tables it reads change, or a change is rolled back, running it again fails ("cached plan must
   * not change result type", 0A000), in the test or in a later one on the worker. pgjdbc forgets
   * what it prepared when it sees this command's tag (QueryExecutorImpl, flushCacheOnDeallocate),
   * and prepares again. DEALLOCATE is not transactional, so it works in the worker's transaction.
   */
  static final String FORGET_PREPARED = "DEALLOCATE ALL";

  /** SQLState in_failed_sql_transaction: "current transaction is aborted". */
  private static final String IN_FAILED_TRANSACTION = "25P02";

  private final Shared shared;

  /** Which of its test's handles this is, from 1, for messages. */
  private final int number;

  private Connection proxy;
  private boolean autoCommit = true;
  private String local;
  private boolean closed;
  private int isolationLevel = Connection.TRANSACTION_READ_COMMITTED;
  private boolean readOnly;
  private HandleLargeObjects largeObjects;

  private TransactionalConnection(Shared shared, int number) {
    this.shared = shared;
    this.number = number;
  }

  @Override
  public Object invoke(Object p, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    int arity = args == null ? 0 : args.length;
    switch (name) {
      case "close", "abort" -> {
        if (!closed && !shared.ended && local != null && !shared.real.isClosed()) {
          end("close (which rolls back its open transaction)", false);
        }
        closed = true;
        return null;
      }
      case "isClosed" -> {
        return closed || shared.ended || shared.real.isClosed();
      }
      case "isValid" -> {
        return !closed && !shared.ended && shared.real.isValid((Integer) args[0]);
      }
      case "equals" -> {
        return p == args[0];
      }
      case "hashCode" -> {
        return System.identityHashCode(p);
      }
      case "toString" -> {
        return "pgisolate transactional handle " + number + " on " + shared.name;
      }
      case "isWrapperFor" -> {
        return ((Class<?>) args[0]).isInstance(p) || shared.real.isWrapperFor((Class<?>) args[0]);
      }
      case "unwrap" -> {
        return ((Class<?>) args[0]).isInstance(p) ? p : shared.real.unwrap((Class<?>) args[0]);
      }
      default -> {
        // fall through to the checks below
      }
    }
    ensureOpen();
    switch (name) {
      case "getAutoCommit" -> {
        return autoCommit;
      }
      case "setAutoCommit" -> {
        setAutoCommit((Boolean) args[0]);
        return null;
      }
      case "commit" -> {
        requireTransaction("commit");
        end("commit", true);
        return null;
      }
      case "rollback" -> {
        synchronized (shared) {
          if (arity == 0) {
            requireTransaction("rollback");
            end("roll back", false);
            return null;
          }
          shared.ensureInOrder(this, args[0], "roll back to a savepoint");
          call(method, args);
          shared.nested.rolledBackTo(args[0]);
          if (shared.schemaChanged) {
            exec(FORGET_PREPARED);
          }
          return null;
        }
      }
      case "releaseSavepoint" -> {
        synchronized (shared) {
          shared.ensureInOrder(this, args[0], "release a savepoint");
          call(method, args);
          shared.nested.released(args[0]);
          return null;
        }
      }
      case "setSavepoint" -> {
        if (autoCommit) {
          throw new SQLException("Cannot establish a savepoint in auto-commit mode.", "25000");
        }
        synchronized (shared) {
          beforeStatement(); // a savepoint begins the transaction, as a statement does
          Object savepoint = call(method, args);
          shared.nested.set(this, savepoint);
          return savepoint;
        }
      }
      case "setTransactionIsolation" -> {
        isolationLevel = (Integer) args[0];
        return null;
      }
      case "getTransactionIsolation" -> {
        return isolationLevel;
      }
      case "setReadOnly" -> {
        readOnly = (Boolean) args[0];
        return null;
      }
      case "isReadOnly" -> {
        return readOnly;
      }
      case "prepareStatement", "prepareCall" -> {
        boolean changesSchema = check((String) args[0]);
        return HandleObject.prepared(this, (Statement) call(method, args), changesSchema);
      }
      case "setSchema" -> {
        beforeStatement(); // a SET of search_path
        try {
          call(method, args);
        } finally {
          afterStatement();
        }
        schemaChanged();
        return null;
      }
      case "getCopyAPI" -> {
        return new HandleCopyManager(this, shared.real.unwrap(BaseConnection.class));
      }
      case "getLargeObjectAPI" -> {
        if (largeObjects == null) { // pgjdbc's looks up its functions once per connection too
          largeObjects = new HandleLargeObjects(this, shared.real.unwrap(BaseConnection.class));
        }
        return largeObjects;
      }
      default -> {
        // Statements, metadata, arrays: wrapped, so that none leads to the worker's connection.
        return HandleObject.wrap(this, call(method, args));
      }
    }
  }

  private void setAutoCommit(boolean on) throws SQLException {
    if (on == autoCommit) {
      return;
    }
    if (on) {
      end("commit (setAutoCommit(true) commits)", true); // JDBC: switching autocommit on commits
    }
    autoCommit = on;
  }

  /**
   * Before a statement runs on this handle (or an object it handed out): in a transaction, the
   * savepoint that stands for it is set now if it is not yet (as pgjdbc sends BEGIN with the first
   * statement, not at setAutoCommit(false)), so that handles used one after another, each in a
   * transaction of its own, never overlap. A statement in a transaction under which another handle
   * has begun one would run in that one, and be undone if it rolls back: refused.
   */
  @Override
  public void beforeStatement() throws SQLException {
    if (!autoCommit) { // in autocommit, it runs in whichever transaction is open (emulated)
      synchronized (shared) {
        if (local == null) {
          local = shared.savepointName();
          exec("SAVEPOINT " + local);
          shared.nested.set(this, local);
        } else {
          shared.ensureInOrder(this, local, "run a statement in its transaction");
        }
      }
    }
    shared.running.incrementAndGet();
  }

  @Override
  public void afterStatement() {
    shared.running.decrementAndGet();
  }

  /**
   * After a statement that changed the schema: pgjdbc's server-prepared statements were planned
   * against the tables as they were ({@link #FORGET_PREPARED}). Every rollback from now on until
   * the test ends undoes the change: it is followed by that too.
   */
  @Override
  public void schemaChanged() throws SQLException {
    shared.schemaChanged = true;
    exec(FORGET_PREPARED);
  }

  /**
   * Ends the handle's transaction, if it has begun: commits it (releases its savepoint) or rolls it
   * back. Refused if another handle began a transaction after it that is still open. A failed
   * transaction (a statement in it failed) cannot be released; pgjdbc's commit() then rolls it back
   * without a word (the server answers COMMIT with ROLLBACK), so code that commits after catching
   * an error goes on with a working connection: it is rolled back instead.
   */
  private void end(String what, boolean commit) throws SQLException {
    synchronized (shared) {
      if (local == null) {
        return; // nothing ran in it: nothing to end
      }
      shared.ensureInOrder(this, local, what);
      if (!commit || !released()) {
        exec(
            "ROLLBACK TO SAVEPOINT "
                + local
                + "; RELEASE SAVEPOINT "
                + local
                + (shared.schemaChanged ? "; " + FORGET_PREPARED : ""));
      }
      shared.nested.released(local);
      local = null;
    }
  }

  /** Releases the handle's savepoint; false if its transaction had failed and was not. */
  private boolean released() throws SQLException {
    try {
      exec("RELEASE SAVEPOINT " + local);
      return true;
    } catch (SQLException e) {
      if (IN_FAILED_TRANSACTION.equals(e.getSQLState())) {
        return false;
      }
      throw e;
    }
  }

  private void requireTransaction(String what) throws SQLException {
    if (autoCommit) {
      throw new SQLException(
          "Cannot " + what + " when autoCommit is enabled.", "25000"); // as pgjdbc says it
    }
  }

  @Override
  public Connection handle() {
    return proxy;
  }

  @Override
  public void ensureOpen() throws SQLException {
    if (shared.ended) {
      throw new SQLException(
          "pgisolate: this connection belonged to a test that has ended; its transaction was"
              + " rolled back. Hint: do not keep connections across tests.",
          "08003");
    }
    if (closed) {
      throw new SQLException(
          "pgisolate: this connection was closed by the test. In TRANSACTION isolation close()"
              + " ends only the handle; the test's changes stay until the test ends. Hint: take"
              + " a new one from the injected DataSource.",
          "08003");
    }
  }

  @Override
  public boolean check(String sql) throws SQLException {
    if (sql == null) {
      return false;
    }
    TransactionControl.Scan scan = TransactionControl.scan(sql);
    if (scan.control() != null) {
      throw shared.refuse(scan.control(), sql);
    }
    return scan.changesSchema();
  }

  private void exec(String sql) throws SQLException {
    try (Statement st = shared.real.createStatement()) {
      st.execute(sql);
    }
  }

  private Object call(Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(shared.real, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static String abbreviate(String sql) {
    String one = sql.strip().replaceAll("\\s+", " ");
    return one.length() <= 60 ? one : one.substring(0, 57) + "...";
  }
}
