package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.JvmServer;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.DatabaseIsolation;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.isolation.LeasedIsolation;
import io.pgisolate.isolation.Recycling;
import io.pgisolate.isolation.SchemaIsolation;
import io.pgisolate.isolation.TransactionRunner;
import io.pgisolate.isolation.WorkerTimeoutException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Templates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every test class of the JVM shares, kept in the root store: the server (the one at {@code
 * pgisolate.url} or {@code PGISOLATE_URL}, else the JVM's temporary cluster, which the {@code
 * jdbc:pgisolate:} driver uses too) and one clone pool per schema source. Closing it closes the
 * pools; the temporary cluster stops at JVM exit, as the driver's databases may still be in use.
 */
final class SharedServer implements AutoCloseable {
  static final String VERSION = JvmServer.VERSION_PARAMETER;
  static final String READY = "pgisolate.pool.ready";
  static final String MAX = "pgisolate.pool.max";
  static final String LOCK_TIMEOUT = "pgisolate.template.lockTimeoutSeconds";
  static final String WORKERS = "pgisolate.transaction.workers";
  static final String RECYCLE = "pgisolate.transaction.recycle";
  static final String LEASE_SOCKET = "pgisolate.lease.socket";
  private static final Logger log = LoggerFactory.getLogger(SharedServer.class);

  final PgServer server;
  private final TempCluster cluster;
  private final ExtensionContext root;

  /** The lease server that hands out DATABASE-mode databases, when one is configured. */
  private final Optional<Path> leaseSocket;

  private final ConcurrentMap<String, ClonePool> pools = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Isolation> isolations = new ConcurrentHashMap<>();

  private SharedServer(
      PgServer server, TempCluster cluster, ExtensionContext root, Optional<Path> leaseSocket) {
    this.leaseSocket = leaseSocket;
    this.server = server;
    this.cluster = cluster;
    this.root = root;
  }

  static SharedServer of(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(PgIsolateExtension.NAMESPACE)
        .getOrComputeIfAbsent(
            SharedServer.class, k -> start(context.getRoot()), SharedServer.class);
  }

  /** The JVM's shared server, when a test has used it. */
  static Optional<SharedServer> existing(ExtensionContext context) {
    return Optional.ofNullable(
        context
            .getRoot()
            .getStore(PgIsolateExtension.NAMESPACE)
            .get(SharedServer.class, SharedServer.class));
  }

  /** Whether the server is the JVM's temporary cluster (which goes when the JVM exits). */
  boolean temporary() {
    return cluster != null;
  }

  private static SharedServer start(ExtensionContext root) {
    Optional<String> url = JvmServer.configuredUrl(root::getConfigurationParameter);
    // A lease server shared by several processes (pgisolate wrap sets PGM_SOCKET for its command).
    Optional<Path> leaseSocket =
        root.getConfigurationParameter(LEASE_SOCKET)
            .or(() -> Optional.ofNullable(System.getenv("PGM_SOCKET")))
            .or(() -> Optional.ofNullable(System.getenv("PGMANAGER_SOCKET")))
            .filter(s -> !s.isBlank())
            .map(Path::of);
    if (url.isEmpty() && leaseSocket.isPresent()) {
      throw new PgIsolateException(
          "a lease server is configured ("
              + leaseSocket.get()
              + ") but not the PostgreSQL server its databases live on. Hint: set pgisolate.url"
              + " in junit-platform.properties or PGISOLATE_URL.");
    }
    JvmServer server = JvmServer.get(url, root.getConfigurationParameter(VERSION));
    return new SharedServer(server.server(), server.cluster().orElse(null), root, leaseSocket);
  }

  /**
   * The isolation of {@code source} in {@code mode}, started on first use. SCHEMA and TRANSACTION
   * work in a database of their own: an empty clone, dropped at the end (kept when a failed test's
   * schema was kept). SHARED_TRANSACTION starts a transactional proxy in front of a clone of the
   * template (the schema committed there before any test); reach it through {@link
   * SharedTransactions}, which also knows about a proxy of another process.
   */
  Isolation isolation(IsolationMode mode, InitSource source) {
    return isolations.computeIfAbsent(
        mode + ":" + source.identity(),
        k ->
            switch (mode) {
              case DATABASE ->
                  leaseSocket.isPresent()
                      ? new LeasedIsolation(server, leaseSocket.get())
                      : new DatabaseIsolation(pool(source));
              case SCHEMA -> new InDatabase(pool(InitSource.empty()), mode, source);
              case TRANSACTION -> new InDatabase(pool(InitSource.empty()), mode, source);
              case SHARED_TRANSACTION ->
                  SharedTransactionIsolation.start(cluster, server, pool(source));
            });
  }

  /** A SCHEMA or TRANSACTION isolation and the empty clone it works in. */
  final class InDatabase implements Isolation {
    /**
     * How many tests at once: TRANSACTION's workers (SCHEMA reads the setting but has no limit).
     */
    final int workers;

    /**
     * The class-scoped leases open on it, by their JUnit context's unique id: each holds a worker
     * until its class ends, which a test that times out waiting for one is told.
     */
    final ConcurrentMap<String, String> classLeases = new ConcurrentHashMap<>();

    private final ClonePool pool;
    private final Clone database;
    private final Isolation inner;

    InDatabase(ClonePool pool, IsolationMode mode, InitSource source) {
      this.pool = pool;
      // Settings first: a bad one must not leave a clone behind.
      this.workers =
          WholeNumberParameter.read(
              root, WORKERS, 1, Math.max(2, Runtime.getRuntime().availableProcessors()));
      Recycling recycling = recycling();
      this.database = pool.acquire();
      this.inner =
          mode == IsolationMode.SCHEMA
              ? SchemaIsolation.start(server, database.name(), source)
              : TransactionRunner.start(server, database.name(), source, workers, recycling);
    }

    private Recycling recycling() {
      return root.getConfigurationParameter(RECYCLE)
          .map(
              v -> {
                try {
                  return Recycling.parse(v);
                } catch (IllegalArgumentException e) {
                  throw new PgIsolateException(RECYCLE + ": " + e.getMessage());
                }
              })
          .orElse(Recycling.whenSlower());
    }

    @Override
    public IsolationMode mode() {
      return inner.mode();
    }

    @Override
    public io.pgisolate.isolation.Isolated begin(Duration timeout) {
      return inner.begin(timeout);
    }

    @Override
    public io.pgisolate.isolation.Isolated begin(Duration timeout, String testName) {
      try {
        return inner.begin(timeout, testName);
      } catch (WorkerTimeoutException e) {
        throw timedOut(e, timeout, testName);
      }
    }

    @Override
    public io.pgisolate.isolation.Isolated beginReadOnly(Duration timeout, String testName) {
      try {
        return inner.beginReadOnly(timeout, testName);
      } catch (WorkerTimeoutException e) {
        throw timedOut(e, timeout, testName);
      }
    }

    /** The runner's timeout, in the JUnit user's terms: the settings, and who holds the workers. */
    private PgIsolateException timedOut(
        WorkerTimeoutException e, Duration timeout, String testName) {
      List<String> holders = List.copyOf(classLeases.values());
      String held =
          holders.isEmpty()
              ? "each is busy until its test ends"
              : holders.size()
                  + (holders.size() == 1 ? " of them is" : " of them are")
                  + " held until "
                  + (holders.size() == 1 ? "its class ends" : "their classes end")
                  + " by "
                  + String.join(", ", holders)
                  + " (scope = CLASS)";
      return new PgIsolateException(
          (testName.contains("#") ? "test '" : "class '") // a class-scoped lease's is its class
              + testName
              + "' timed out after "
              + timeout.toMillis()
              + " ms waiting for a TRANSACTION worker ("
              + e.state()
              + "); "
              + held
              + ". Hint: raise "
              + WORKERS
              + " or @PgIsolated(acquireTimeoutSeconds)"
              + (holders.isEmpty()
                  ? ""
                  : ", or run the classes with scope = CLASS one after another")
              + ".",
          e);
    }

    @Override
    public String state() {
      return inner.state();
    }

    @Override
    public void close() {
      inner.close();
      if (inner instanceof SchemaIsolation s && s.keptAny()) {
        pool.keep(database, "holds schemas of failed tests (pgisolate: kept: in their comments)");
      } else {
        pool.release(database);
      }
    }
  }

  /** The pool of {@code source}'s clones; its template is built (or found) on first use. */
  ClonePool pool(InitSource source) {
    return pools.computeIfAbsent(source.identity(), k -> startPool(source));
  }

  private ClonePool startPool(InitSource source) {
    Duration lockTimeout =
        Duration.ofSeconds(WholeNumberParameter.read(root, LOCK_TIMEOUT, 1, 300));
    ClonePool.Settings settings = ClonePool.Settings.defaults();
    settings = settings.withMax(WholeNumberParameter.read(root, MAX, 1, settings.max()));
    settings = settings.withReady(WholeNumberParameter.read(root, READY, 0, settings.ready()));
    return ClonePool.start(Templates.ensure(server, source, lockTimeout), settings);
  }

  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (Isolation isolation : isolations.values()) {
      if (isolation.mode() != IsolationMode.DATABASE) {
        try {
          isolation.close();
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }
    }
    for (ClonePool pool : pools.values()) {
      try {
        pool.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    failures.forEach(e -> log.warn("Could not close a clone pool: {}", e.toString()));
  }
}
