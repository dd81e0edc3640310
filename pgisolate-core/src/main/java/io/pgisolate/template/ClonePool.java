package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps clones of a template ready, so that a test gets a fresh database at once: a clone is made
 * in the background while the previous test runs, and dropped in the background after it.
 *
 * <p>Clone names are {@code <prefix>_<owner>_<n>}. The owner is a random number for which this pool
 * holds a session advisory lock while it lives; at start, clones whose owner's lock is free belong
 * to a pool that crashed, and are dropped. The number of clones (ready, in use, being created or
 * dropped) never exceeds the pool's maximum.
 */
public final class ClonePool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClonePool.class);

  /** The first key of owner locks: "pgi1". */
  static final int OWNER_LOCK_CLASS = 0x70676931;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** SQLSTATE duplicate_database. */
  private static final String DUPLICATE_DATABASE = "42P04";

  /** The start of the comment on a clone kept on purpose. */
  static final String KEPT_MARK = "pgisolate: kept: ";

  private final Template template;
  private final PgServer server;
  private final Settings settings;
  private final String owner;
  private final int ownerKey;
  private final Connection ownerConnection;
  private final int serverMajor;
  private final AtomicLong sequence = new AtomicLong();
  private final ExecutorService workers;
  private final LinkedBlockingQueue<Connection> admins = new LinkedBlockingQueue<>();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Clone> ready = new ArrayDeque<>();
  private final Set<Clone> inUse = new HashSet<>();

  /** Clones whose creation finished after close began: close drops them. */
  private final List<Clone> late = new ArrayList<>();

  private int creating;
  private int dropping;
  private int waiting;
  private Throwable lastFailure;
  private boolean closed;

  /**
   * Pool settings.
   *
   * @param prefix clone names start with it and an underscore
   * @param ready how many clones are kept ready
   * @param max how many clones may exist at once
   * @param workers how many clones are created or dropped at the same time
   * @param acquireTimeout how long {@link #acquire()} waits
   * @param strategy how clones are copied
   */
  public record Settings(
      String prefix,
      int ready,
      int max,
      int workers,
      Duration acquireTimeout,
      CloneStrategy strategy) {
    public Settings {
      if (!prefix.matches("[a-z][a-z0-9_]{0,30}")) {
        throw new IllegalArgumentException(
            "invalid prefix '" + prefix + "': lower-case letters, digits and _, at most 31.");
      }
      if (ready < 0 || max < 1 || ready > max) {
        throw new IllegalArgumentException(
            "invalid pool size: ready " + ready + " and max " + max + " need 0 <= ready <= max.");
      }
      if (workers < 1) {
        throw new IllegalArgumentException("invalid workers '" + workers + "': at least 1.");
      }
    }

    public static Settings defaults() {
      return new Settings("pgi_c", 4, 64, 2, Duration.ofSeconds(60), CloneStrategy.FILE_COPY);
    }

    public Settings withReady(int n) {
      return new Settings(prefix, n, Math.max(max, n), workers, acquireTimeout, strategy);
    }

    public Settings withMax(int n) {
      return new Settings(prefix, Math.min(ready, n), n, workers, acquireTimeout, strategy);
    }

    public Settings withAcquireTimeout(Duration timeout) {
      return new Settings(prefix, ready, max, workers, timeout, strategy);
    }

    public Settings withStrategy(CloneStrategy s) {
      return new Settings(prefix, ready, max, workers, acquireTimeout, s);
    }

    public Settings withWorkers(int n) {
      return new Settings(prefix, ready, max, n, acquireTimeout, strategy);
    }

    public Settings withPrefix(String p) {
      return new Settings(p, ready, max, workers, acquireTimeout, strategy);
    }
  }

  private ClonePool(Template template, Settings settings) {
    this.template = template;
    this.server = template.server();
    this.settings = settings;
    this.ownerConnection = server.connect(server.adminDatabase());
    try {
      this.serverMajor = ownerConnection.getMetaData().getDatabaseMajorVersion();
      PgServer.prepareLongLivedSession(ownerConnection);
      int key;
      do {
        key = RANDOM.nextInt(Integer.MAX_VALUE);
      } while (!tryLockOwner(ownerConnection, key));
      this.ownerKey = key;
      this.owner = String.format("%08x", key);
      try (Statement st = ownerConnection.createStatement()) {
        // Shared, held while the pool lives: newer builds of the source leave the template alone.
        st.execute(
            "SELECT pg_advisory_lock_shared("
                + Templates.IN_USE_LOCK_CLASS
                + ", "
                + Templates.inUseKey(template.name())
                + ")");
      }
      reapLeftovers();
    } catch (SQLException e) {
      closeQuietly(ownerConnection);
      throw new PgIsolateException("could not start a clone pool on " + server + ": " + e, e);
    }
    this.workers =
        Executors.newFixedThreadPool(
            settings.workers(), DaemonThreads.named("pgisolate-clones-" + owner));
    refill();
  }

  /** Starts a pool of clones of {@code template} and begins filling it. */
  public static ClonePool start(Template template, Settings settings) {
    return new ClonePool(template, settings);
  }

  public Template template() {
    return template;
  }

  /** A fresh clone: a ready one at once, else waits for one, up to the acquire timeout. */
  public Clone acquire() {
    return acquire(settings.acquireTimeout());
  }

  /** A fresh clone: a ready one at once, else waits for one, up to {@code timeout}. */
  public Clone acquire(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      waiting++;
      try {
        while (true) {
          if (closed) {
            throw new PgIsolateException("the clone pool of " + template.name() + " is closed.");
          }
          Clone clone = ready.poll();
          if (clone != null) {
            inUse.add(clone);
            return clone;
          }
          if (lastFailure != null && creating == 0) {
            Throwable failure = lastFailure;
            lastFailure = null;
            throw new PgIsolateException(
                "could not create a clone of template "
                    + template.name()
                    + ": "
                    + failure.getMessage()
                    + " ("
                    + stateLocked()
                    + ").",
                failure);
          }
          refillLocked();
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new PoolTimeoutException(
                "timed out after "
                    + timeout.toMillis()
                    + " ms waiting for a clone of template "
                    + template.name()
                    + " ("
                    + stateLocked()
                    + "). Hint: release clones after use, or raise the pool's max or the acquire"
                    + " timeout.",
                lastFailure);
          }
          changed.awaitNanos(left);
        }
      } finally {
        waiting--;
        refillLocked(); // replace what was taken, now that this caller no longer waits
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while waiting for a clone", e);
    } finally {
      lock.unlock();
    }
  }

  /** Gives a clone back: it is dropped in the background, after its connections are ended. */
  public void release(Clone clone) {
    lock.lock();
    try {
      if (!inUse.remove(clone)) {
        return;
      }
      dropping++;
    } finally {
      lock.unlock();
    }
    submit(() -> drop(clone));
  }

  /**
   * Gives back a clone the test did not change (it declared itself read-only): it is handed out
   * again, saving a copy.
   */
  public void recycle(Clone clone) {
    lock.lock();
    try {
      // After close, the clone was dropped with the others in use.
      if (inUse.remove(clone) && !closed) {
        ready.addFirst(clone);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Keeps a clone for inspection (a failed test's database): the pool lets go of it, and no pool
   * drops it later, at close or as a leftover. Its comment says why it was kept.
   */
  public void keep(Clone clone, String why) {
    lock.lock();
    try {
      if (!inUse.remove(clone)) {
        return;
      }
    } finally {
      lock.unlock();
    }
    try {
      withAdmin(
          admin -> {
            try (Statement st = admin.createStatement()) {
              st.execute(
                  "COMMENT ON DATABASE "
                      + Sql.identifier(clone.name())
                      + " IS "
                      + Sql.literal(KEPT_MARK + why));
            }
          });
    } catch (SQLException e) {
      throw new PgIsolateException("could not mark " + clone.name() + " as kept: " + e, e);
    } finally {
      refill();
    }
  }

  /** Ready, in use, being created, being dropped and waiting, as one line. */
  public String state() {
    lock.lock();
    try {
      return stateLocked();
    } finally {
      lock.unlock();
    }
  }

  private String stateLocked() {
    return "ready="
        + ready.size()
        + ", in use="
        + inUse.size()
        + ", being created="
        + creating
        + ", being dropped="
        + dropping
        + ", waiting="
        + waiting
        + ", max="
        + settings.max()
        + (lastFailure == null ? "" : ", last error: " + lastFailure.getMessage());
  }

  private void refill() {
    lock.lock();
    try {
      refillLocked();
    } finally {
      lock.unlock();
    }
  }

  /** Starts creations until ready + being created covers the target and the waiters. */
  private void refillLocked() {
    if (closed) {
      return;
    }
    int target = settings.ready() + waiting;
    while (ready.size() + creating < target && total() < settings.max()) {
      creating++;
      submit(this::create);
    }
  }

  private int total() {
    return ready.size() + inUse.size() + creating + dropping;
  }

  private void submit(Runnable task) {
    Runnable guarded =
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            // A background task must never die silently.
            log.warn("Clone pool task failed: {}", e.toString());
          }
        };
    try {
      workers.execute(guarded);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      guarded.run(); // closing: do it here
    }
  }

  private void create() {
    Clone clone =
        new Clone(server, settings.prefix() + "_" + owner + "_" + sequence.incrementAndGet());
    Throwable failure = null;
    try {
      withAdmin(
          admin -> {
            try (Statement st = admin.createStatement()) {
              st.execute(
                  "CREATE DATABASE "
                      + Sql.identifier(clone.name())
                      + " TEMPLATE "
                      + Sql.identifier(template.name())
                      + settings.strategy().clause(serverMajor));
            } catch (SQLException e) {
              // A repeat after the connection ended under a CREATE that the server completed: the
              // name is this pool's alone, so the database is that clone.
              if (!DUPLICATE_DATABASE.equals(e.getSQLState())) {
                throw e;
              }
            }
          });
    } catch (SQLException | RuntimeException e) {
      failure = e;
      log.debug("Creating {} failed: {}", clone.name(), e.toString());
    }
    lock.lock();
    try {
      creating--;
      if (failure != null) {
        lastFailure = failure;
      } else if (closed) {
        late.add(clone);
      } else {
        lastFailure = null;
        ready.addLast(clone);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void drop(Clone clone) {
    try {
      withAdmin(admin -> Templates.drop(admin, clone.name()));
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not drop clone {}: {}", clone.name(), e.toString());
    } finally {
      lock.lock();
      try {
        dropping--;
        refillLocked();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private interface AdminWork {
    void run(Connection admin) throws SQLException;
  }

  /**
   * Runs on one of the workers' administrative connections (one per worker at most). A connection
   * the server ended (a restart, idle_session_timeout, a terminated backend) is replaced when the
   * work fails on it, and the work is repeated once on the new one, so it must be safe to repeat.
   */
  private void withAdmin(AdminWork work) throws SQLException {
    // No check before use: a connection the server ended fails the work, which is then repeated
    // on a new one below, so a round trip per CREATE or DROP would buy nothing.
    Connection admin = admins.poll();
    if (admin == null) {
      admin = server.connect(server.adminDatabase());
    }
    try {
      work.run(admin);
    } catch (SQLException | RuntimeException e) {
      if (admin.isValid(1)) {
        admins.offer(admin);
        throw e;
      }
      closeQuietly(admin);
      log.debug("Repeating on a new connection, the last one ended: {}", e.toString());
      admin = server.connect(server.adminDatabase());
      try {
        work.run(admin);
      } catch (SQLException | RuntimeException again) {
        closeQuietly(admin);
        throw again;
      }
    }
    admins.offer(admin);
  }

  /** Drops the clones of pools that are gone (their owner lock is free). */
  private void reapLeftovers() throws SQLException {
    Map<Integer, List<String>> byOwner = new HashMap<>();
    try (PreparedStatement ps =
        ownerConnection.prepareStatement(
            "SELECT datname FROM pg_database d WHERE starts_with(datname, ?)"
                + " AND NOT starts_with(coalesce(shobj_description(oid, 'pg_database'), ''), ?)")) {
      ps.setString(1, settings.prefix() + "_");
      ps.setString(2, KEPT_MARK);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          String[] parts = name.substring(settings.prefix().length() + 1).split("_");
          if (parts.length == 2 && parts[0].matches("[0-9a-f]{8}")) {
            byOwner
                .computeIfAbsent(Integer.parseUnsignedInt(parts[0], 16), k -> new ArrayList<>())
                .add(name);
          }
        }
      }
    }
    for (Map.Entry<Integer, List<String>> entry : byOwner.entrySet()) {
      int key = entry.getKey();
      if (key == ownerKey || !tryLockOwner(ownerConnection, key)) {
        continue;
      }
      try {
        for (String name : entry.getValue()) {
          log.info("Dropping {}, left by a pool that is gone", name);
          Templates.drop(ownerConnection, name);
        }
      } finally {
        try (Statement st = ownerConnection.createStatement()) {
          st.execute("SELECT pg_advisory_unlock(" + OWNER_LOCK_CLASS + ", " + key + ")");
        }
      }
    }
  }

  private static boolean tryLockOwner(Connection c, int key) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT pg_try_advisory_lock(" + OWNER_LOCK_CLASS + ", " + key + ")")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** Stops filling, drops every clone of this pool (in use or not) and releases the owner lock. */
  @Override
  public void close() {
    List<Clone> toDrop;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      toDrop = new ArrayList<>(ready);
      toDrop.addAll(inUse);
      ready.clear();
      inUse.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("Clone pool workers did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lock.lock();
    try {
      toDrop.addAll(late);
    } finally {
      lock.unlock();
    }
    for (Clone clone : toDrop) {
      try {
        withAdmin(admin -> Templates.drop(admin, clone.name()));
      } catch (SQLException | RuntimeException e) {
        log.warn("Could not drop clone {}: {}", clone.name(), e.toString());
      }
    }
    admins.forEach(ClonePool::closeQuietly);
    admins.clear();
    closeQuietly(ownerConnection);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // closing: nothing to do
    }
  }

  @Override
  public String toString() {
    return "ClonePool[" + template.name() + ", owner " + owner + ", " + state() + "]";
  }
}
