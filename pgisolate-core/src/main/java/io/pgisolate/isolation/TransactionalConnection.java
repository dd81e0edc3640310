package io.pgisolate.isolation;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
 *   <li>COMMIT, ROLLBACK, BEGIN, END, ABORT, START/PREPARE TRANSACTION sent as SQL are refused with
 *       SQLState 2D000 and recorded, so the test fails even if it catches the exception.
 *   <li>{@code setTransactionIsolation} and {@code setReadOnly} are remembered, not applied: the
 *       outer transaction has begun.
 * </ul>
 *
 * Differences from a real connection that remain: in autocommit mode a failing statement aborts the
 * test's transaction (later statements fail until {@code rollback()} of an explicit transaction);
 * {@code unwrap} to a pgjdbc type reaches the worker's real connection, bypassing these checks (the
 * runner still detects a transaction ended behind its back).
 */
final class TransactionalConnection implements InvocationHandler {

  /** What one test's handles share. */
  static final class Shared {
    final Connection real;
    final String name;
    final String schema;
    private final AtomicInteger savepoints = new AtomicInteger();
    private final AtomicReference<String> violation = new AtomicReference<>();
    private volatile boolean ended;

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
      TransactionalConnection h = new TransactionalConnection(this);
      Connection proxy =
          (Connection)
              Proxy.newProxyInstance(
                  TransactionalConnection.class.getClassLoader(),
                  new Class<?>[] {Connection.class},
                  h);
      h.proxy = proxy;
      return proxy;
    }

    /** The first transaction control statement a handle refused, as a message. */
    Optional<String> violation() {
      return Optional.ofNullable(violation.get());
    }

    /** After the test: every handle refuses further use. */
    void end() {
      ended = true;
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

    private String savepointName() {
      return "pgi_tx_" + savepoints.incrementAndGet();
    }
  }

  /** SQLState in_failed_sql_transaction: "current transaction is aborted". */
  private static final String IN_FAILED_TRANSACTION = "25P02";

  private final Shared shared;
  private Connection proxy;
  private boolean autoCommit = true;
  private String local;
  private boolean closed;
  private int isolationLevel = Connection.TRANSACTION_READ_COMMITTED;
  private boolean readOnly;

  private TransactionalConnection(Shared shared) {
    this.shared = shared;
  }

  @Override
  public Object invoke(Object p, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    int arity = args == null ? 0 : args.length;
    switch (name) {
      case "close", "abort" -> {
        if (!closed && !shared.ended && !autoCommit && !shared.real.isClosed()) {
          exec("ROLLBACK TO SAVEPOINT " + local + "; RELEASE SAVEPOINT " + local);
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
        return "pgisolate transactional handle on " + shared.name;
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
        if (!releaseOrRollBack("; SAVEPOINT " + local)) {
          exec("ROLLBACK TO SAVEPOINT " + local); // the savepoint stays: a new transaction
        }
        return null;
      }
      case "rollback" -> {
        if (arity == 0) {
          requireTransaction("rollback");
          exec("ROLLBACK TO SAVEPOINT " + local);
          return null;
        }
        return call(method, args);
      }
      case "setSavepoint" -> {
        if (autoCommit) {
          throw new SQLException("Cannot establish a savepoint in auto-commit mode.", "25000");
        }
        return call(method, args);
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
      case "getMetaData" -> {
        // Its getConnection() must give this handle, not the worker's connection (whose commit()
        // would end the transaction every test runs in).
        return wrap(call(method, args), DatabaseMetaData.class);
      }
      case "createStatement" -> {
        return wrap(call(method, args), Statement.class);
      }
      case "prepareStatement" -> {
        check((String) args[0]);
        return wrap(call(method, args), PreparedStatement.class);
      }
      case "prepareCall" -> {
        check((String) args[0]);
        return wrap(call(method, args), CallableStatement.class);
      }
      default -> {
        return call(method, args);
      }
    }
  }

  private void setAutoCommit(boolean on) throws SQLException {
    if (on == autoCommit) {
      return;
    }
    if (on) {
      // JDBC: switching autocommit on commits
      if (!releaseOrRollBack("")) {
        exec("ROLLBACK TO SAVEPOINT " + local + "; RELEASE SAVEPOINT " + local);
      }
      local = null;
    } else {
      local = shared.savepointName();
      exec("SAVEPOINT " + local);
    }
    autoCommit = on;
  }

  /**
   * Commits the handle's transaction: releases its savepoint, then runs {@code then}. A failed
   * transaction (a statement in it failed) cannot be released; pgjdbc's commit() then rolls it back
   * without a word (the server answers COMMIT with ROLLBACK), so code that commits after catching
   * an error goes on with a working connection: the caller rolls back instead.
   *
   * @return false if the transaction had failed and was not released
   */
  private boolean releaseOrRollBack(String then) throws SQLException {
    try {
      exec("RELEASE SAVEPOINT " + local + then);
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

  private void ensureOpen() throws SQLException {
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

  void check(String sql) throws SQLException {
    if (sql != null) {
      Optional<String> keyword = TransactionControl.find(sql);
      if (keyword.isPresent()) {
        throw shared.refuse(keyword.get(), sql);
      }
    }
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

  private Object wrap(Object statement, Class<?> type) {
    return Proxy.newProxyInstance(
        TransactionalConnection.class.getClassLoader(),
        new Class<?>[] {type},
        new StatementHandler(statement));
  }

  /**
   * Checks SQL given to a statement's execute and addBatch, and answers getConnection (of a
   * statement or the connection's metadata).
   */
  private final class StatementHandler implements InvocationHandler {
    private final Object real;

    StatementHandler(Object real) {
      this.real = real;
    }

    @Override
    public Object invoke(Object p, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      switch (name) {
        case "getConnection" -> {
          return proxy;
        }
        case "equals" -> {
          return p == args[0];
        }
        case "hashCode" -> {
          return System.identityHashCode(p);
        }
        case "toString" -> {
          return real.toString();
        }
        case "unwrap" -> {
          return ((Class<?>) args[0]).isInstance(p) ? p : method.invoke(real, args);
        }
        default -> {
          // checks below
        }
      }
      if (name.startsWith("execute") || name.equals("addBatch")) {
        ensureOpen();
        if (args != null && args.length > 0 && args[0] instanceof String sql) {
          check(sql);
        }
      }
      try {
        return method.invoke(real, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  private static String abbreviate(String sql) {
    String one = sql.strip().replaceAll("\\s+", " ");
    return one.length() <= 60 ? one : one.substring(0, 57) + "...";
  }
}
