package io.pgisolate.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusters this JVM runs, stopped by one shutdown hook (Ctrl-C, SIGTERM, System.exit), after
 * the tasks registered to run before them ({@link JvmExit}).
 */
final class LiveClusters {
  private static final Logger log = LoggerFactory.getLogger(LiveClusters.class);
  private static final Set<TempCluster> LIVE = ConcurrentHashMap.newKeySet();
  private static final List<Runnable> BEFORE_STOP = new ArrayList<>(); // guarded by the class
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

  private static synchronized void installHook() {
    if (hookInstalled) {
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(LiveClusters::closeAll, "pgisolate-shutdown"));
    hookInstalled = true;
  }

  private static void closeAll() {
    // Newest first, one after the other: a proxy registered after its cluster's other users stops
    // before them, as resources close in reverse order.
    for (Runnable task : takeBeforeStop()) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("A task at exit failed: {}", e.toString());
      }
    }
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
}
