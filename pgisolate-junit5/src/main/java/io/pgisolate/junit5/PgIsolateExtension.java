package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.isolation.Connections;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.IsolationMode;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.sql.Connection;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JUnit 5 extension behind {@link PgIsolated}. All state lives in the extension store: the
 * server and the pools in the root store (shared by the JVM's test classes), each test's lease in
 * its own context's store, so the extension is safe under parallel execution.
 */
public final class PgIsolateExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        TestInstancePreConstructCallback,
        InvocationInterceptor,
        ParameterResolver {
  static final Namespace NAMESPACE = Namespace.create(PgIsolateExtension.class);
  private static final Logger log = LoggerFactory.getLogger(PgIsolateExtension.class);
  private static final String LEASE = "lease";

  /** A test's turn on its class's TRANSACTION lease (see {@link Lease#awaitTurn}). */
  private static final String TURN = "turn";

  /** The report entry that holds a kept database's (or schema's) URL. */
  static final String KEPT = "pgisolate.kept";

  @Override
  public void beforeAll(ExtensionContext context) {
    beginForClass(context);
  }

  /**
   * Constructors get the test's own database: JUnit hands this extension the test method's context
   * while it makes a PER_METHOD instance (a PER_CLASS one still gets the class's).
   */
  @Override
  public ExtensionContextScope getTestInstantiationExtensionContextScope(
      ExtensionContext rootContext) {
    return ExtensionContextScope.TEST_METHOD;
  }

  /**
   * A test instance is made before beforeEach (PER_METHOD) or beforeAll (PER_CLASS): its
   * constructor gets the lease its test, or its class, is about to begin.
   */
  @Override
  public void preConstructTestInstance(
      TestInstanceFactoryContext factoryContext, ExtensionContext context) {
    if (context.getTestMethod().isPresent()) {
      beginForTest(context);
    } else if (context.getTestInstanceLifecycle().orElse(null)
        == TestInstance.Lifecycle.PER_CLASS) {
      beginForClass(context);
    }
  }

  /**
   * Begins a class-scoped lease, once. A @Nested class without a @PgIsolated of its own works in
   * its enclosing class's: its tests are the class's tests (and a second lease could wait forever
   * for the TRANSACTION worker or SHARED_TRANSACTION turn the enclosing class holds).
   */
  private static void beginForClass(ExtensionContext context) {
    Class<?> type = context.getRequiredTestClass();
    boolean begun = ownLease(context).isPresent();
    boolean enclosingLease =
        !AnnotationSupport.isAnnotated(type, PgIsolated.class)
            && context.getParent().flatMap(PgIsolateExtension::lease).isPresent();
    if (begun || enclosingLease) {
      return;
    }
    annotation(type)
        .filter(a -> a.scope() == PgIsolated.Scope.CLASS)
        .ifPresent(a -> begin(context, ExtensionSettings.of(a, context)));
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    beginForTest(context);
  }

  /**
   * Begins a test's own lease, or waits for its turn on its class's TRANSACTION lease; once, as the
   * test's instance may have done it already (and a @Nested test makes two instances).
   */
  private static void beginForTest(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    if (ownLease(context).isPresent() || store.get(TURN) != null) {
      return;
    }
    Optional<PgIsolated> onMethod = annotation(context.getRequiredTestMethod());
    Optional<PgIsolated> onClass = annotation(context.getRequiredTestClass());
    Optional<PgIsolated> effective =
        onMethod.or(() -> onClass.filter(a -> a.scope() == PgIsolated.Scope.METHOD));
    if (effective.isPresent()) {
      begin(context, ExtensionSettings.of(effective.get(), context));
      return;
    }
    lease(context)
        .filter(lease -> lease.isolated.mode() == IsolationMode.TRANSACTION)
        .ifPresent(lease -> store.put(TURN, lease.awaitTurn(testName(context))));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Lease.Turn turn = context.getStore(NAMESPACE).remove(TURN, Lease.Turn.class);
    try {
      closeBorrowed(context);
      boolean own = end(context);
      // A test that failed on its class's lease (scope = CLASS): the class ends it, failed.
      failure(context)
          .filter(failure -> !own)
          .ifPresent(
              failure ->
                  context
                      .getParent()
                      .flatMap(PgIsolateExtension::lease)
                      .ifPresent(lease -> lease.testFailed(failure)));
    } finally {
      if (turn != null) {
        turn.close();
      }
    }
  }

  /**
   * A dynamic test has no beforeEach or afterEach of its own, and its failure is not its factory's:
   * the lease it used (its factory's or its class's) ends failed.
   */
  @Override
  public void interceptDynamicTest(
      Invocation<Void> invocation,
      DynamicTestInvocationContext invocationContext,
      ExtensionContext context)
      throws Throwable {
    try {
      invocation.proceed();
    } catch (Throwable failure) {
      if (!(failure instanceof TestAbortedException)) {
        lease(context).ifPresent(lease -> lease.testFailed(failure));
      }
      throw failure;
    }
  }

  /**
   * What the test threw, unless it was aborted (a failed assumption): an aborted test did not fail,
   * so keepOnFailure does not keep its database.
   */
  private static Optional<Throwable> failure(ExtensionContext context) {
    return context.getExecutionException().filter(e -> !(e instanceof TestAbortedException));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeBorrowed(context);
    end(context);
  }

  private static Connections borrowed(ExtensionContext context) {
    return context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(borrowedKey(context), k -> new Connections(), Connections.class);
  }

  /** Closes the connections that {@code context} was given from an enclosing context's lease. */
  private static void closeBorrowed(ExtensionContext context) {
    Connections borrowed =
        context.getStore(NAMESPACE).remove(borrowedKey(context), Connections.class);
    if (borrowed != null) {
      borrowed.closeAll();
    }
  }

  /**
   * The key of the connections a context was given from an enclosing context's lease: its own, as a
   * store also finds its parents' values (a @Nested class's, given to its @BeforeAll).
   */
  private static String borrowedKey(ExtensionContext context) {
    return "borrowed connections of " + context.getUniqueId();
  }

  private static void begin(ExtensionContext context, ExtensionSettings settings) {
    Isolation isolation =
        settings.isolation() == IsolationMode.SHARED_TRANSACTION
            ? SharedTransactions.of(context, settings.source())
            : SharedServer.of(context).isolation(settings.isolation(), settings.source());
    EnclosingLeases.refuseWaitingForThem(context, isolation);
    Lease lease =
        new Lease(
            context.getUniqueId(),
            isolation,
            settings.readOnly()
                ? isolation.beginReadOnly(settings.acquireTimeout(), testName(context))
                : isolation.begin(settings.acquireTimeout(), testName(context)),
            settings);
    context.getStore(NAMESPACE).put(LEASE, lease);
    if (context.getTestMethod().isEmpty() && isolation instanceof SharedServer.InDatabase d) {
      d.classLeases.put(context.getUniqueId(), testName(context));
    }
    if (settings.keepOnFailure()
        && (settings.isolation() == IsolationMode.TRANSACTION
            || settings.isolation() == IsolationMode.SHARED_TRANSACTION)) {
      warnOncePerClass(
          context, "keepOnFailure", settings.isolation(), "a test's changes are rolled back");
    }
    if (settings.readOnly() && settings.isolation() != IsolationMode.DATABASE) {
      warnOncePerClass(
          context,
          "readOnly",
          settings.isolation(),
          "only DATABASE isolation hands a test's database on and holds its connections to"
              + " read-only");
    }
  }

  /**
   * Says once per test class, not once per test, that keepOnFailure cannot keep what a transaction
   * rolls back: the class's store remembers that it was said.
   */
  /** Warns once per class that {@code attribute} does nothing in {@code mode}, and why. */
  private static void warnOncePerClass(
      ExtensionContext context, String attribute, IsolationMode mode, String why) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent()) { // a test, or a repetition of one
      classContext = classContext.getParent().orElseThrow();
    }
    String type = classContext.getRequiredTestClass().getName();
    classContext
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            // Its own key: a @Nested class's store also finds its enclosing class's values.
            attribute + " warned for " + mode + " in " + classContext.getUniqueId(),
            k -> {
              log.warn(
                  "pgisolate: {} has no effect with isolation = {} ({}): {}",
                  attribute,
                  mode,
                  type,
                  why);
              return Boolean.TRUE;
            });
  }

  /**
   * {@code method() in Class}, for messages and kept databases' comments; a repetition or
   * parameterized invocation with its method's name, {@code method(), repetition 2 of 2 in Class},
   * as its own display name alone says only which invocation it is.
   */
  static String where(ExtensionContext context) {
    String name =
        context
            .getParent()
            .filter(p -> p.getTestMethod().isPresent())
            .map(template -> template.getDisplayName() + ", " + context.getDisplayName())
            .orElse(context.getDisplayName());
    return name + " in " + context.getRequiredTestClass().getName();
  }

  /** {@code Class#method} for a test, {@code Class} for a class-scoped database. */
  static String testName(ExtensionContext context) {
    String type = context.getRequiredTestClass().getName();
    return context.getTestMethod().map(m -> type + "#" + m.getName()).orElse(type);
  }

  /** Ends the lease of {@code context} itself; says whether it had one. */
  private static boolean end(ExtensionContext context) {
    Lease lease = context.getStore(NAMESPACE).remove(LEASE, Lease.class);
    if (lease == null) {
      return false;
    }
    if (lease.isolation instanceof SharedServer.InDatabase d) {
      d.classLeases.remove(lease.owner);
    }
    lease.end(failure(context), where(context)).ifPresent(kept -> reportKept(context, lease, kept));
    return true;
  }

  /**
   * Says where a failed test's database or schema was kept: in the log, on stderr, and as report
   * entries (IDEs and build reports show them beside the test).
   */
  private static void reportKept(ExtensionContext context, Lease lease, String kept) {
    // The JVM's temporary cluster is removed at exit: the URL is only good until then.
    Optional<String> note =
        SharedServer.existing(context)
            .filter(SharedServer::temporary)
            .map(
                s ->
                    "on this JVM's temporary cluster, which is removed when the JVM exits. Hint:"
                        + " set pgisolate.url (or PGISOLATE_URL) to a server that outlives the test"
                        + " run to inspect it afterwards.");
    String message =
        "pgisolate: kept the "
            + (lease.isolated.mode() == IsolationMode.SCHEMA ? "schema" : "database")
            + " of failed test '"
            + where(context)
            + "': "
            + kept
            + note.map(n -> " (" + n + ")").orElse("");
    log.warn(message);
    System.err.println(message);
    context.publishReportEntry(KEPT, kept);
    note.ifPresent(n -> context.publishReportEntry(KEPT + ".note", n));
  }

  /** The lease {@code context} began itself (its store also finds its parents' values). */
  static Optional<Lease> ownLease(ExtensionContext context) {
    return Optional.ofNullable(context.getStore(NAMESPACE).get(LEASE, Lease.class))
        .filter(lease -> lease.owner.equals(context.getUniqueId()));
  }

  /** The lease of the nearest context: the test method's, else its class's (or outer class's). */
  private static Optional<Lease> lease(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context);
        c.isPresent();
        c = c.get().getParent()) {
      Lease lease = c.get().getStore(NAMESPACE).get(LEASE, Lease.class);
      if (lease != null) {
        return Optional.of(lease);
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == DataSource.class
        || type == Connection.class
        || type == PgDatabase.class
        || parameter.isAnnotated(JdbcUrl.class);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (parameter.isAnnotated(JdbcUrl.class) && type != String.class) {
      throw new ParameterResolutionException(
          "@JdbcUrl on "
              + describe(parameter)
              + ": @JdbcUrl parameters are Strings. Hint: declare it as String (or take a"
              + " PgDatabase, whose uri() is a libpq URI).");
    }
    Lease lease =
        lease(context)
            .orElseThrow(
                () ->
                    new ParameterResolutionException(
                        "no pgisolate database for "
                            + describe(parameter)
                            + ": with @PgIsolated(scope = METHOD), only a test and its"
                            + " @BeforeEach and @AfterEach methods get one. Hint: move the"
                            + " parameter to the test or a @BeforeEach method, or use scope ="
                            + " CLASS, which @BeforeAll and @AfterAll methods share."));
    if (type == DataSource.class) {
      return lease.isolated.dataSource();
    }
    if (ownLease(context).isEmpty() && (type == Connection.class || type == PgDatabase.class)) {
      // From an enclosing context's lease: what the test connects is closed after the test, not
      // after the class's last test.
      Connections borrowed = borrowed(context);
      return type == Connection.class
          ? borrowed.add(lease.isolated.connection())
          : new PgDatabase(lease.isolated, borrowed::add);
    }
    if (type == Connection.class) {
      return lease.isolated.connection(); // closed when its lease ends, with the context
    }
    if (type == PgDatabase.class) {
      return lease.database;
    }
    try {
      return lease.isolated.jdbcUrl();
    } catch (PgIsolateException e) {
      throw new ParameterResolutionException(
          "no @JdbcUrl for " + parameter.getParameter() + ": " + e.getMessage(), e);
    }
  }

  /** {@code java.sql.Connection arg0 of setUp(Connection)}, for messages. */
  private static String describe(ParameterContext parameter) {
    Executable executable = parameter.getDeclaringExecutable();
    String name =
        executable instanceof Constructor<?>
            ? executable.getDeclaringClass().getSimpleName()
            : executable.getName();
    return parameter.getParameter()
        + " of "
        + name
        + Arrays.stream(executable.getParameterTypes())
            .map(Class::getSimpleName)
            .collect(Collectors.joining(", ", "(", ")"));
  }

  private static Optional<PgIsolated> annotation(AnnotatedElement element) {
    Optional<PgIsolated> found = AnnotationSupport.findAnnotation(element, PgIsolated.class);
    if (found.isEmpty() && element instanceof Class<?> type && type.getEnclosingClass() != null) {
      return annotation(type.getEnclosingClass()); // @Nested classes inherit their outer's
    }
    return found;
  }
}
