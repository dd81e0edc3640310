package io.pgisolate.cluster;

/**
 * What happens when the JVM exits (Ctrl-C, SIGTERM, {@code System.exit}): first the tasks
 * registered here run, newest first, then every temporary cluster still running is stopped.
 *
 * <p>For code that uses a cluster — a proxy relaying to it, a child process connected to it — and
 * has to stop before the database goes away. A shutdown hook of its own would not do: the JVM runs
 * hooks at the same time, in no order, so the clusters' hook could stop PostgreSQL while the proxy
 * is still closing its sessions, which then fail with errors.
 */
public final class JvmExit {
  private JvmExit() {}

  /**
   * Runs {@code task} at JVM exit before the clusters are stopped, unless the returned registration
   * is closed first.
   */
  public static Registration beforeClustersStop(Runnable task) {
    LiveClusters.addBeforeStop(task);
    return () -> LiveClusters.removeBeforeStop(task);
  }

  /** A task registered to run at exit; closing it means the task is no longer run. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
