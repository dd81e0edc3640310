package io.pgisolate.lease;

import java.util.Optional;

/**
 * The lease server of a front end ({@code serve}, {@code wrap}) that an exit hook stops from
 * another thread. A stop while the server starts waits for the start to end, then closes it: the
 * JVM halts the starting thread once its hooks are done, which would leave the socket file, its
 * lock file and the directories made for them behind. After a stop, nothing starts.
 */
final class HookStoppedServer {
  private final Object lock = new Object();
  // Guarded by lock.
  private boolean starting;
  private boolean stopped;
  // Written under lock.
  private volatile LeaseServer server;

  /** Starts the server; empty, starting nothing, when {@link #stop()} came first. */
  Optional<LeaseServer> start(LeaseSettings settings) {
    synchronized (lock) {
      if (stopped) {
        return Optional.empty();
      }
      starting = true;
    }
    LeaseServer started = null;
    try {
      started = LeaseServer.start(settings);
      return Optional.of(started);
    } finally {
      synchronized (lock) {
        server = started;
        starting = false;
        lock.notifyAll();
      }
    }
  }

  /**
   * Closes the server, once a start under way has ended (that start is bounded by its own
   * timeouts); the server closed, empty when there was none.
   */
  Optional<LeaseServer> stop() {
    LeaseServer s;
    synchronized (lock) {
      stopped = true;
      try {
        while (starting) {
          lock.wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      s = server;
    }
    if (s != null) {
      s.close();
    }
    return Optional.ofNullable(s);
  }

  /** The server once started (null before), for usage reports. */
  LeaseServer server() {
    return server;
  }
}
