package io.pgisolate.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The clusters this JVM runs, stopped by one shutdown hook (Ctrl-C, SIGTERM, System.exit). */
final class LiveClusters {
  private static final Logger log = LoggerFactory.getLogger(LiveClusters.class);
  private static final Set<TempCluster> LIVE = ConcurrentHashMap.newKeySet();
  private static volatile boolean hookInstalled;

  private LiveClusters() {}

  static void add(TempCluster cluster) {
    installHook();
    LIVE.add(cluster);
  }

  static void remove(TempCluster cluster) {
    LIVE.remove(cluster);
  }

  private static synchronized void installHook() {
    if (hookInstalled) {
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(LiveClusters::closeAll, "pgisolate-shutdown"));
    hookInstalled = true;
  }

  private static void closeAll() {
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
