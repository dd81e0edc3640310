package io.pgisolate.os;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for pgisolate's background work (dropping clones and schemas, refilling pools,
 * starting clusters). Daemons: a test JVM whose tests forgot to close a pool must still exit; the
 * shutdown hooks and watchdogs clean up what such threads leave.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Daemon threads, all named {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> daemon(r, name);
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, … */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> daemon(r, prefix + "-" + count.incrementAndGet());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
