package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusters this JVM runs, stopped by one shutdown hook (Ctrl-C, SIGTERM, System.exit), after
 * the tasks registered to run before them ({@link JvmExit}). The hook also lets the starts under
 * way end: before a start has launched its postmaster (and the watchdog that removes the files of a
 * JVM that is gone) nothing else would remove what it made.
 */
final class LiveClusters {
  private static final Logger log = LoggerFactory.getLogger(LiveClusters.class);
  private static final Set<TempCluster> LIVE = ConcurrentHashMap.newKeySet();
  private static final List<Runnable> BEFORE_STOP = new ArrayList<>(); // guarded by the class

  /** How long the hook waits for starts under way; a start checks for shutdown between steps. */
  private static final long START_WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);

  private static final Object STARTS = new Object();
  private static int starting; // guarded by STARTS
  private static volatile boolean shuttingDown;
  private static volatile boolean hookInstalled;

  private LiveClusters() {}

  static void add(TempCluster cluster) {
    installHook();
    LIVE.add(cluster);
  }

  static void remove(TempCluster cluster) {
    LIVE.remove(cluster);
  }

  static synchronized void addBeforeStop(Runnable task) {
    installHook();
    BEFORE_STOP.add(task);
  }

  static synchronized void removeBeforeStop(Runnable task) {
    BEFORE_STOP.remove(task);
  }

  private static synchronized List<Runnable> takeBeforeStop() {
    List<Runnable> tasks = new ArrayList<>(BEFORE_STOP);
    BEFORE_STOP.clear();
    Collections.reverse(tasks);
    return tasks;
  }

  /** A start begins; each call is matched by {@link #startEnded()}. */
  static void startBegins() {
    installHook();
    synchronized (STARTS) {
      starting++;
    }
  }

  static void startEnded() {
    synchronized (STARTS) {
      starting--;
      STARTS.notifyAll();
    }
  }

  /** Throws when the JVM is shutting down: a start stops there and removes what it made. */
  static void checkNotShuttingDown() {
    checkNotShuttingDown(null);
  }

  static void checkNotShuttingDown(RuntimeException cause) {
    if (shuttingDown) {
      throw new PgIsolateException("start-up interrupted: the JVM is shutting down.", cause);
    }
  }

  private static synchronized void installHook() {
    if (hookInstalled) {
      return;
    }
    try {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(LiveClusters::closeAll, "pgisolate-shutdown"));
    } catch (IllegalStateException e) {
      // The JVM is already exiting: nothing registered now could run, and a start stops at once.
      shuttingDown = true;
      return;
    }
    hookInstalled = true;
  }

  private static void closeAll() {
    shuttingDown = true;
    // Newest first, one after the other: a proxy registered after its cluster's other users stops
    // before them, as resources close in reverse order.
    for (Runnable task : takeBeforeStop()) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("A task at exit failed: {}", e.toString());
      }
    }
    awaitStarts();
    List<TempCluster> clusters = new ArrayList<>(LIVE);
    // Stop them side by side: each stop is mostly waiting for a postmaster to exit.
    clusters.parallelStream()
        .forEach(
            c -> {
              try {
                c.close();
              } catch (RuntimeException e) {
                log.warn("Could not stop {}: {}", c, e.toString());
              }
            });
  }

  private static void awaitStarts() {
    long deadline = System.nanoTime() + START_WAIT_NANOS;
    synchronized (STARTS) {
      while (starting > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          log.warn("Gave up waiting for {} cluster start(s) under way", starting);
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(STARTS, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
