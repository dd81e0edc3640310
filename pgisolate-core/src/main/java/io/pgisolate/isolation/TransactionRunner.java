package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.InitSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rollback per test, with the semantics of the Rust crate diesel_pg_tester: N workers, each a
 * connection that creates a schema of its own, runs the init source in it once and commits both
 * (other sessions see that initial state, never a test's changes), then opens the transaction its
 * tests run in. Tests queue for a free worker (first come, first served); each runs inside a
 * savepoint, then the worker rolls back to it: one round trip, since the savepoint stays and is
 * re-armed by the rollback. Its name is random, so no test can make it again: if a test ended the
 * transaction, the savepoint is gone and the rollback fails. The result goes back to the caller.
 *
 * <p>A worker's schema is dropped when the worker ends (recycled, replaced, or the runner closed).
 * Its name carries the worker's backend pid ({@link WorkerSchemas}): the schemas of workers whose
 * JVM died without ending them are dropped by the next runner started on the database, before its
 * first worker; a live worker's schema, of whichever runner or JVM, is never touched.
 *
 * <p>A test runs on the thread that asked for it ({@link #run}, {@link #begin}) or on one of the
 * runner's {@code N} submitter threads ({@link #submit}): a worker is a connection, not a thread,
 * so a test costs no thread hand-off. Workers are initialised and replaced on a background thread.
 *
 * <ul>
 *   <li>A test that throws an unexpected error (anything but an {@link AssertionError} or a JUnit
 *       abort) makes its worker drop its connection, aborting that transaction; a replacement
 *       worker starts while the others go on.
 *   <li>A test that ends the transaction (COMMIT as SQL through an unwrapped connection, closing
 *       the real connection) fails with {@link IsolationBrokenException}; its worker is replaced
 *       and its schema, with whatever got committed in it, dropped.
 *   <li>If initialisation of one of its first workers fails, the runner halts: every queued and
 *       later test fails at once with the initialisation error. A replacement that cannot start
 *       (the server restarting, out of connection slots) is tried again a few times ({@link
 *       #RETRIES}), then given up on with a warning: the runner goes on with one worker fewer, and
 *       halts only when none is left. A test that arrives while the runner is short of a worker it
 *       gave up on has one more tried, in the background, at most once per the last of those
 *       delays: once the server is back, so is the worker.
 *   <li>Rolled-back rows stay in a worker's tables as dead tuples (autovacuum is not told about
 *       them while the worker's transaction is open), so tests that scan tables get slower; as
 *       {@link Recycling} says, a worker's tables are vacuumed from another connection ({@link
 *       SchemaVacuum}), or the worker is replaced by a fresh one, both in the background.
 * </ul>
 *
 * Tests reach the transaction through {@link TransactionalConnection} handles, which map commit,
 * rollback and savepoints onto savepoints and refuse transaction control sent as SQL.
 */
public final class TransactionRunner implements Isolation {
  private static final Logger log = LoggerFactory.getLogger(TransactionRunner.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A test body: gets a handle on its worker's transaction, returns a result. */
  @FunctionalInterface
  public interface Body<T> {
    T run(Connection connection) throws Exception;
  }

  private final PgServer server;
  private final String database;
  private final InitSource source;
  private final SourceSchemas schemas;
  private final SchemaVacuum vacuum;
  private final int size;
  private final Recycling recycling;
  private final String prefix;

  /** The savepoint every test runs in: random, so that a test cannot set it again. */
  private final String savepoint;

  /** Initialises, replaces, vacuums and ends workers, one thing at a time; retries later. */
  private final ScheduledThreadPoolExecutor initialiser;

  /** How long to wait before each new attempt to start a replacement worker. */
  private final List<Duration> retries;

  /**
   * How long after giving up on a worker a test's arrival has one tried again ({@link #missing}).
   */
  private final long retryAfterGivingUpNanos;

  private final ExecutorService submitters;
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicInteger replaced = new AtomicInteger();
  private final AtomicInteger recycled = new AtomicInteger();
  private final AtomicInteger vacuums = new AtomicInteger();

  private final ReentrantLock lock = new ReentrantLock(true);
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<TransactionWorker> idle = new ArrayDeque<>();
  private final List<TransactionWorker> all = new ArrayList<>();
  private int busy;
  private int waiting;
  private PgIsolateException halted;
  private boolean closed;

  /** Workers being started (retries included), and given up on. */
  private int starting;

  private int missing;

  /** When the last worker was given up on ({@link System#nanoTime()}). */
  private long gaveUpAt;

  /** Why a replacement could not start yet, for the state line; null once one did. */
  private String retrying;

  /** Why the last replacement given up on could not start, for the state line. */
  private String gaveUp;

  private TransactionRunner(
      PgServer server,
      String database,
      InitSource source,
      int workers,
      Recycling recycling,
      List<Duration> retries) {
    this.server = server;
    this.database = database;
    this.source = source;
    this.schemas = new SourceSchemas(server, database, source);
    this.vacuum = new SchemaVacuum(server, database);
    this.size = workers;
    this.recycling = recycling;
    this.prefix = WorkerSchemas.runnerPrefix();
    this.savepoint = String.format("pgi_test_%016x", RANDOM.nextLong());
    this.retries = List.copyOf(retries);
    this.retryAfterGivingUpNanos =
        retries.isEmpty() ? 0 : retries.get(retries.size() - 1).toNanos();
    this.initialiser =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named("pgisolate-tx-init-" + prefix));
    // Closing drops retries still waiting: the runner needs no more workers.
    initialiser.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.submitters =
        Executors.newFixedThreadPool(workers, DaemonThreads.named("pgisolate-tx-" + prefix));
  }

  /**
   * Starts {@code workers} workers on {@code database}; they initialise in the background, one
   * after another, and tests asking meanwhile wait for the first. Workers are recycled {@link
   * Recycling#whenSlower() when their tests slow down}.
   */
  public static TransactionRunner start(
      PgServer server, String database, InitSource source, int workers) {
    return start(server, database, source, workers, Recycling.whenSlower());
  }

  /** As {@link #start(PgServer, String, InitSource, int)}, with workers recycled as given. */
  public static TransactionRunner start(
      PgServer server, String database, InitSource source, int workers, Recycling recycling) {
    return start(server, database, source, workers, recycling, RETRIES);
  }

  /**
   * A replacement worker that cannot start (the server restarting, out of connection slots) is
   * tried again after each of these delays: about 20 s in all.
   */
  static final List<Duration> RETRIES =
      List.of(
          Duration.ofMillis(100),
          Duration.ofMillis(500),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10));

  /** As {@link #start(PgServer, String, InitSource, int, Recycling)}, with its own retries. */
  static TransactionRunner start(
      PgServer server,
      String database,
      InitSource source,
      int workers,
      Recycling recycling,
      List<Duration> retries) {
    if (workers < 1) {
      throw new IllegalArgumentException("invalid workers '" + workers + "': at least 1.");
    }
    TransactionRunner runner =
        new TransactionRunner(server, database, source, workers, recycling, retries);
    runner.initialiser.execute(runner::dropOrphans); // first: before any worker starts
    runner.lock.lock();
    try {
      for (int i = 0; i < workers; i++) {
        runner.startWorker(null);
      }
    } finally {
      runner.lock.unlock();
    }
    return runner;
  }

  @Override
  public IsolationMode mode() {
    return IsolationMode.TRANSACTION;
  }

  /** Queues {@code body} for one of the submitter threads; the future completes with its result. */
  public <T> CompletableFuture<T> submit(Body<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      submitters.execute(
          () -> {
            try {
              result.complete(run(body));
            } catch (Exception | Error e) {
              result.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(closedException());
    }
    return result;
  }

  /**
   * Runs {@code body} on the calling thread with a free worker's transaction (waiting for one as
   * long as it takes) and returns its result, or throws what it threw (or why isolation broke).
   */
  public <T> T run(Body<T> body) throws Exception {
    TransactionWorker w = acquire(null);
    TransactionalConnection.Shared shared = w.share();
    T value = null;
    Throwable thrown = null;
    try {
      value = body.run(shared.handle());
    } catch (Exception | Error e) {
      thrown = e;
    }
    Throwable failure = finish(w, shared, thrown);
    if (failure instanceof Exception e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    return value;
  }

  /** Leases a free worker's transaction to the calling thread until {@link Isolated#end}. */
  @Override
  public Isolated begin(Duration timeout) {
    TransactionWorker w = acquire(timeout);
    return new Lease(w, w.share());
  }

  /** A free worker, first come first served; null timeout waits as long as it takes. */
  private TransactionWorker acquire(Duration timeout) {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      waiting++;
      try {
        while (true) {
          if (halted != null) {
            throw halted;
          }
          if (closed) {
            throw closedException();
          }
          if (missing > 0) {
            tryMissingWorker();
          }
          TransactionWorker w = idle.poll();
          if (w != null) {
            busy++;
            w.leased();
            return w;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            String state = stateLocked();
            throw new WorkerTimeoutException(
                "timed out after "
                    + timeout.toMillis()
                    + " ms waiting for a TRANSACTION worker ("
                    + state
                    + "). Hint: raise the number of workers or the acquire timeout; a worker is"
                    + " busy until its test ends.",
                state);
          }
          if (timeout == null) {
            changed.await();
          } else {
            changed.awaitNanos(left);
          }
        }
      } finally {
        waiting--;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while waiting for a TRANSACTION worker", e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends a test on worker {@code w}: rolls back and checks, then gives the worker back, replaces it
   * (after a broken or unexpected failure), or has a fresh one made to take its place (when it is
   * due for recycling).
   *
   * @return what the test fails with: its own failure, or why isolation broke; null if it passed
   */
  private Throwable finish(
      TransactionWorker w, TransactionalConnection.Shared shared, Throwable thrown) {
    shared.end();
    if (shared.running()) {
      // The test ended while its body, on a thread of its own, waits for a statement (a test
      // that timed out): the rollback would wait for it, and every test queued for a worker.
      w.cancelStatement();
    }
    String lost = w.restore(shared.schemaChanged());
    long held = w.heldNanos();
    Throwable failure = thrown;
    if (shared.violation().isPresent()) {
      failure = new IsolationBrokenException(shared.violation().get());
    } else if (lost != null) {
      failure = new IsolationBrokenException(lost);
    }
    if (failure != thrown && thrown != null) {
      failure.addSuppressed(thrown);
    }
    boolean keep = lost == null && (thrown == null || expected(thrown));
    Recycling.Due due = keep ? w.tested(held) : Recycling.Due.NOTHING;
    lock.lock();
    try {
      busy--;
      if (keep && !closed && !w.retired) {
        if (due == Recycling.Due.REPLACE && !w.retiring) {
          w.retiring = true; // serves on until its replacement is ready
          startWorker(w);
        } else if (due == Recycling.Due.VACUUM) {
          vacuumInBackground(w);
        }
        idle.addFirst(w); // the warmest connection first
        changed.signal();
        return failure;
      }
      all.remove(w);
      // Queued first: a replacement initialises once the schema it replaces is gone.
      endInBackground(w, lost != null);
      if (!keep) {
        replaced.incrementAndGet();
      }
      if (!keep && !w.retiring) { // a retiring worker's replacement is on its way
        startWorker(null);
      }
    } finally {
      lock.unlock();
    }
    return failure;
  }

  /**
   * Initialises a new worker in the background; when {@code predecessor} is given, the new one
   * takes its place once ready (at once if it is idle, else when its test ends). Called with the
   * lock held, so that a worker on its way is always counted.
   */
  private void startWorker(TransactionWorker predecessor) {
    starting++;
    schedule(() -> initialise(ids.incrementAndGet(), predecessor, 1), Duration.ZERO);
  }

  /**
   * Starts, in the background, one more try at a worker given up on, if none is being started and
   * the last was given up on long enough ago; with the lock held. If it fails, it is given up on
   * again at once, until a later test's arrival.
   */
  private void tryMissingWorker() {
    if (starting > 0 || System.nanoTime() - gaveUpAt < retryAfterGivingUpNanos) {
      return;
    }
    missing--;
    starting++;
    int id = ids.incrementAndGet();
    schedule(() -> initialise(id, null, AFTER_GIVING_UP), Duration.ZERO);
  }

  /** The attempt number of a worker tried again after giving up on one: its only attempt. */
  private static final int AFTER_GIVING_UP = Integer.MAX_VALUE;

  private void schedule(Runnable task, Duration delay) {
    try {
      initialiser.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * On the initialiser thread: readies worker {@code id}, then makes it available. If it cannot
   * start: one of the runner's first workers halts the runner (the init source is broken, or the
   * database unreachable: nothing would work); a replacement, after tests have run, is tried again
   * later ({@link #retries}), and given up on if that fails too.
   */
  private void initialise(int id, TransactionWorker predecessor, int attempt) {
    TransactionWorker w = new TransactionWorker(id, schemas, prefix, savepoint, recycling);
    try {
      w.init();
    } catch (Exception | Error e) {
      if (id <= size) {
        halt(e, id); // first: tests waiting for a worker need not wait for the clean-up
      }
      w.discard(false);
      if (id > size) {
        notStarted(id, predecessor, attempt, e);
      }
      return;
    }
    TransactionWorker retired = null;
    lock.lock();
    try {
      starting--;
      retrying = null;
      if (missing == 0) {
        gaveUp = null;
      }
      if (closed) {
        w.discard(false);
        return;
      }
      all.add(w);
      if (predecessor != null && all.remove(predecessor)) {
        recycled.incrementAndGet();
        if (idle.remove(predecessor)) {
          retired = predecessor;
        } else {
          predecessor.retired = true; // dropped when its test ends
        }
        idle.addFirst(w);
      } else {
        idle.addLast(w);
      }
      changed.signal();
    } finally {
      lock.unlock();
    }
    if (retired != null) {
      retired.discard(false);
    }
  }

  /**
   * A replacement could not start: tries again later, or gives up on it (halts if none is left).
   */
  private void notStarted(int id, TransactionWorker predecessor, int attempt, Throwable e) {
    String why = oneLine(e);
    int attempts = retries.size() + 1;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (attempt < attempts) {
        Duration delay = retries.get(attempt - 1);
        retrying =
            "worker %d could not start (attempt %d of %d failed, retrying in %d ms): %s"
                .formatted(id, attempt, attempts, delay.toMillis(), why);
        log.warn("TRANSACTION {}", retrying);
        schedule(() -> initialise(id, predecessor, attempt + 1), delay);
        return;
      }
      starting--;
      retrying = null;
      String outcome;
      if (predecessor != null && all.contains(predecessor)) {
        predecessor.retiring = false; // not replaced after all: it serves on
        outcome = "the worker it was to replace serves on";
      } else {
        missing++;
        gaveUpAt = System.nanoTime();
        outcome =
            "going on with %d of %d workers until a test arriving %d ms or more later tries again"
                .formatted(size - missing, size, retryAfterGivingUpNanos / 1_000_000);
      }
      String tries = attempt == AFTER_GIVING_UP ? "tried again" : attempts + " attempts";
      gaveUp = "worker %d could not start (%s; gave up, %s): %s".formatted(id, tries, outcome, why);
      log.warn("TRANSACTION {}", gaveUp);
      if (all.isEmpty() && starting == 0) {
        haltLocked(
            "no worker left: worker %d could not start (%s): %s".formatted(id, tries, why), e);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Vacuums {@code w}'s tables on the initialiser thread, from a connection of its own, while its
   * tests go on; then tells {@code w}, whose next tests judge whether that was enough.
   */
  private CompletableFuture<SchemaVacuum.Result> vacuumInBackground(TransactionWorker w) {
    CompletableFuture<SchemaVacuum.Result> done = new CompletableFuture<>();
    try {
      initialiser.execute(
          () -> {
            try {
              long start = System.nanoTime();
              SchemaVacuum.Result result = vacuum.run(w.schema());
              vacuums.incrementAndGet();
              log.debug(
                  "TRANSACTION worker {} vacuumed in {} ms: {} tables, skipped {}",
                  w.id(),
                  (System.nanoTime() - start) / 1_000_000,
                  result.vacuumed().size(),
                  result.skipped());
              done.complete(result);
            } catch (RuntimeException | Error e) {
              log.warn("Could not vacuum TRANSACTION worker {}: {}", w.id(), e.toString());
              done.completeExceptionally(e);
            } finally {
              w.vacuumed();
            }
          });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(closedException()); // closing
    }
    return done;
  }

  /**
   * For tests: vacuums the worker whose schema is {@code schema} as {@link Recycling} would, now;
   * completes when it is done.
   */
  CompletableFuture<SchemaVacuum.Result> vacuumInBackground(String schema) {
    lock.lock();
    try {
      for (TransactionWorker w : all) {
        if (schema.equals(w.schema())) {
          return vacuumInBackground(w);
        }
      }
    } finally {
      lock.unlock();
    }
    throw new IllegalArgumentException("no worker of this runner has schema '" + schema + "'.");
  }

  /**
   * Ends {@code w} in the background, on the initialiser thread: dropping a schema takes a while
   * that no test should wait for, and a replacement started after this initialises only once the
   * schema it replaces is gone. When the runner is closed, ends it here.
   */
  private void endInBackground(TransactionWorker w, boolean lost) {
    try {
      initialiser.execute(() -> w.discard(lost));
    } catch (RejectedExecutionException e) {
      w.discard(lost);
    }
  }

  /**
   * On the initialiser thread, once: drops the schemas of workers whose backend is gone (their
   * runner's JVM was killed), in this database, whichever runner made them.
   */
  private void dropOrphans() {
    try (Connection c = server.connect(database)) {
      WorkerSchemas.dropOrphans(c);
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not look for orphaned worker schemas in {}: {}", database, e.toString());
    }
  }

  private void halt(Throwable cause, int worker) {
    lock.lock();
    try {
      haltLocked(
          "worker "
              + worker
              + " could not initialise from "
              + source.identity()
              + ": "
              + oneLine(cause),
          cause);
    } finally {
      lock.unlock();
    }
  }

  private void haltLocked(String why, Throwable cause) {
    if (closed) {
      return;
    }
    if (halted == null) {
      halted =
          new PgIsolateException(
              "the TRANSACTION runner on database " + database + " halted: " + why, cause);
    }
    changed.signalAll();
  }

  private static String oneLine(Throwable t) {
    String why = t.getMessage() == null ? t.toString() : t.getMessage();
    return why.replaceAll("\\R\\s*", " ");
  }

  /**
   * Stops: queued tests fail (the futures of {@link #submit}ted bodies not yet started complete
   * exceptionally; running ones are interrupted), idle workers end (their transactions rolled back,
   * their schemas dropped) before it returns, busy workers end when their test ends.
   */
  @Override
  public void close() {
    List<TransactionWorker> toClose;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(idle);
      idle.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    // Bodies still queued for a submitter thread never start: run each here, where it fails at
    // once (the runner is closed), so that its future completes rather than never.
    submitters.shutdownNow().forEach(Runnable::run);
    vacuum.stop(); // a vacuum in progress is cancelled, those queued do nothing
    initialiser.shutdown();
    try {
      initialiser.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    toClose.forEach(w -> w.discard(false));
  }

  @Override
  public String state() {
    lock.lock();
    try {
      return stateLocked();
    } finally {
      lock.unlock();
    }
  }

  private String stateLocked() {
    return "workers="
        + size
        + ", ready="
        + idle.size()
        + ", busy="
        + busy
        + ", waiting="
        + waiting
        + ", replaced="
        + replaced.get()
        + ", recycled="
        + recycled.get()
        + ", vacuumed="
        + vacuums.get()
        + (retrying == null ? "" : ", " + retrying)
        + (gaveUp == null ? "" : ", " + gaveUp)
        + (halted == null ? "" : ", halted: " + halted.getMessage());
  }

  /** How many workers were replaced after a test broke or threw. */
  public int replacements() {
    return replaced.get();
  }

  /** How many workers were replaced by fresh ones as {@link Recycling} says. */
  public int recycled() {
    return recycled.get();
  }

  /** How many times a worker's tables were vacuumed as {@link Recycling} says. */
  public int vacuums() {
    return vacuums.get();
  }

  @Override
  public String toString() {
    return "TransactionRunner[" + database + ", " + source.identity() + ", " + state() + "]";
  }

  /** Whether a failure is a test's normal way of failing, after which its worker can go on. */
  static boolean expected(Throwable t) {
    return t instanceof AssertionError
        || t.getClass().getName().equals("org.opentest4j.TestAbortedException");
  }

  private PgIsolateException closedException() {
    return new PgIsolateException("the transaction runner on " + database + " is closed.");
  }

  /** A worker leased to a test running on the caller's thread. */
  private final class Lease implements Isolated {
    private final TransactionWorker worker;
    private final TransactionalConnection.Shared shared;
    private boolean ended;

    Lease(TransactionWorker worker, TransactionalConnection.Shared shared) {
      this.worker = worker;
      this.shared = shared;
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
      return Optional.of(worker.schema());
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
    public synchronized Optional<String> end(Outcome outcome) {
      if (ended) {
        return Optional.empty();
      }
      ended = true;
      Throwable failure = finish(worker, shared, outcome.failure().orElse(null));
      if (failure instanceof IsolationBrokenException broken) {
        throw broken;
      }
      return Optional.empty(); // a rolled-back transaction cannot be kept
    }
  }
}
