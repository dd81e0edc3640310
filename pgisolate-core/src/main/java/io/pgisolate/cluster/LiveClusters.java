package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusters this JVM runs, stopped by one shutdown hook (Ctrl-C, SIGTERM, System.exit). The hook
 * first lets the starts under way end: before a start has launched its postmaster (and the watchdog
 * that removes the files of a JVM that is gone) nothing else would remove what it made.
 */
final class LiveClusters {
  private static final Logger log = LoggerFactory.getLogger(LiveClusters.class);
  private static final Set<TempCluster> LIVE = ConcurrentHashMap.newKeySet();

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
    Runtime.getRuntime().addShutdownHook(new Thread(LiveClusters::closeAll, "pgisolate-shutdown"));
    hookInstalled = true;
  }

  private static void closeAll() {
    shuttingDown = true;
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
