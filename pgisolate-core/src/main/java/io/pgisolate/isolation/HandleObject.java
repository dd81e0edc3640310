package io.pgisolate.isolation;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Wrapper;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A JDBC object a test reached from a TRANSACTION handle — a statement, a result set, the metadata,
 * an array — standing in for pgjdbc's. Each of pgjdbc's leads back to the worker's connection (a
 * result set's {@code getStatement().getConnection()}), whose {@code commit()} would end the
 * transaction every test runs in; this one leads back to the handle, and every object it hands out
 * is wrapped the same way. It also checks the SQL a statement runs, and refuses use after its test
 * ended (a result set read then would run on the worker, maybe in the next test).
 *
 * <p>{@code unwrap} to a pgjdbc class (not one of its public {@code org.postgresql} interfaces,
 * which the wrapper implements) still reaches pgjdbc's object: a deliberate way out.
 */
final class HandleObject implements InvocationHandler {

  /** The handle a test's JDBC objects lead back to. */
  interface Owner {
    /** The handle, as the test has it. */
    Connection handle();

    /** Throws if the handle may no longer be used. */
    void ensureOpen() throws SQLException;

    /**
     * Throws if {@code sql} would end the test's transaction.
     *
     * @return whether {@code sql} changes the schema ({@link TransactionControl})
     */
    boolean check(String sql) throws SQLException;

    /** Called before a statement runs: a transaction begins with its first statement. */
    void beforeStatement() throws SQLException;

    /** Called when a statement that {@link #beforeStatement} let run has returned or failed. */
    void afterStatement();

    /** Called after a statement that changes the schema ran without error. */
    void schemaChanged() throws SQLException;

    /**
     * Runs {@code call}, which reaches the server through one of pgjdbc's own APIs (COPY, large
     * objects), as a statement of the handle: refused after the test, it begins the handle's
     * transaction.
     */
    default <T> T asStatement(Call<T> call) throws SQLException {
      ensureOpen();
      beforeStatement();
      try {
        return call.run();
      } finally {
        afterStatement();
      }
    }
  }

  /** A call into pgjdbc that runs a statement. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws SQLException;
  }

  /** The JDBC types that lead, directly or not, to a connection; most specific first. */
  private static final List<Class<?>> WRAPPED =
      List.of(
          CallableStatement.class,
          PreparedStatement.class,
          Statement.class,
          ResultSet.class,
          DatabaseMetaData.class,
          Array.class);

  private static final ClassValue<Class<?>[]> INTERFACES =
      new ClassValue<>() {
        @Override
        protected Class<?>[] computeValue(Class<?> type) {
          return interfaces(type);
        }
      };

  private final Owner owner;
  private final Object real;
  private final Object proxy;

  /** What handed this out, to give back its wrapper rather than a second one; null for none. */
  private final HandleObject parent;

  /** A PreparedStatement whose SQL changes the schema. */
  private final boolean changesSchema;

  /** Whether a statement added to the batch changes the schema. */
  private boolean batchChangesSchema;

  private HandleObject(Owner owner, Object real, HandleObject parent, boolean changesSchema) {
    this.owner = owner;
    this.real = real;
    this.parent = parent;
    this.changesSchema = changesSchema;
    this.proxy =
        Proxy.newProxyInstance(
            HandleObject.class.getClassLoader(), INTERFACES.get(real.getClass()), this);
  }

  /**
   * {@code value} as the test may have it: wrapped if it is a JDBC object that leads to a
   * connection, as it was otherwise.
   */
  static Object wrap(Owner owner, Object value) {
    return wrap(owner, value, null);
  }

  /** As {@link #wrap(Owner, Object)}, for a value {@code parent}'s object gave. */
  static Object wrap(Owner owner, Object value, HandleObject parent) {
    if (!(value instanceof Wrapper) && !(value instanceof Array)) {
      return value; // a row's value: most of what a test asks for
    }
    if (value instanceof Connection) {
      return owner.handle();
    }
    for (HandleObject known = parent; known != null; known = known.parent) {
      if (known.real == value) {
        return known.proxy;
      }
    }
    if (value instanceof ResultSet rs) {
      return new HandleResultSet(owner, rs, parent); // read row by row: no proxy
    }
    for (Class<?> type : WRAPPED) {
      if (type.isInstance(value)) {
        return new HandleObject(owner, value, parent, false).proxy;
      }
    }
    return value;
  }

  /**
   * A PreparedStatement or CallableStatement as the test may have it; {@code changesSchema} says
   * whether its SQL does ({@link Owner#check}).
   */
  static Object prepared(Owner owner, Statement value, boolean changesSchema) {
    return new HandleObject(owner, value, null, changesSchema).proxy;
  }

  /**
   * What the proxy for an object of {@code type} implements: the JDBC types of {@link #WRAPPED} it
   * is, and pgjdbc's public interfaces ({@code org.postgresql.PGStatement} …), so that {@code
   * unwrap} to one of those gives the wrapper.
   */
  static Class<?>[] interfaces(Class<?> type) {
    Set<Class<?>> all = new LinkedHashSet<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      collect(c.getInterfaces(), all);
    }
    List<Class<?>> chosen = new ArrayList<>();
    for (Class<?> i : all) {
      if (WRAPPED.contains(i)
          || i == Connection.class
          || i.getPackageName().equals("org.postgresql")) {
        chosen.add(i);
      }
    }
    return chosen.toArray(Class<?>[]::new);
  }

  private static void collect(Class<?>[] interfaces, Set<Class<?>> into) {
    for (Class<?> i : interfaces) {
      if (into.add(i)) {
        collect(i.getInterfaces(), into);
      }
    }
  }

  @Override
  public Object invoke(Object p, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    switch (name) {
      case "getConnection" -> {
        return owner.handle();
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
        return ((Class<?>) args[0]).isInstance(p) ? p : invokeReal(method, args);
      }
      case "isWrapperFor" -> {
        return ((Class<?>) args[0]).isInstance(p) || (Boolean) invokeReal(method, args);
      }
      case "close", "isClosed", "free" -> {
        return invokeReal(method, args);
      }
      default -> {
        // checked below
      }
    }
    owner.ensureOpen();
    if (!(real instanceof Statement)) {
      return wrap(owner, invokeReal(method, args), this);
    }
    boolean changes = schemaChangeIn(name, args);
    if (!name.startsWith("execute")) {
      return wrap(owner, invokeReal(method, args), this);
    }
    owner.beforeStatement();
    Object result;
    try {
      result = wrap(owner, invokeReal(method, args), this);
    } finally {
      owner.afterStatement();
    }
    if (changes) {
      owner.schemaChanged();
    }
    return result;
  }

  /**
   * Checks the SQL a statement method runs or adds to the batch ({@link Owner#check}); says whether
   * what it runs now changes the schema.
   */
  private boolean schemaChangeIn(String name, Object[] args) throws SQLException {
    boolean adds = name.equals("addBatch");
    if (!adds && !name.startsWith("execute")) {
      if (name.equals("clearBatch")) {
        batchChangesSchema = false;
      }
      return false;
    }
    boolean changes =
        args != null && args.length > 0 && args[0] instanceof String sql
            ? owner.check(sql)
            : changesSchema;
    if (adds) {
      batchChangesSchema |= changes;
      return false;
    }
    if (name.startsWith("executeBatch") || name.equals("executeLargeBatch")) {
      changes |= batchChangesSchema;
      batchChangesSchema = false;
    }
    return changes;
  }

  private Object invokeReal(Method method, Object[] args) throws Throwable {
    MethodHandle target = TARGETS.computeIfAbsent(method, HandleObject::target);
    Object[] arguments = args == null ? NO_ARGS : args;
    return (Object) target.invokeExact(real, arguments);
  }

  private static final Object[] NO_ARGS = {};

  /**
   * Each proxied method as a handle taking the target and the arguments as an array: a result set
   * is read through here row by row, and a method handle costs a fraction of {@code Method.invoke}.
   */
  private static final ConcurrentHashMap<Method, MethodHandle> TARGETS = new ConcurrentHashMap<>();

  private static MethodHandle target(Method method) {
    try {
      return MethodHandles.publicLookup()
          .unreflect(method)
          .asSpreader(Object[].class, method.getParameterCount())
          .asType(MethodType.methodType(Object.class, Object.class, Object[].class));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + method, e);
    }
  }
}
