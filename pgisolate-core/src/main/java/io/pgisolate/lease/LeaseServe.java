package io.pgisolate.lease;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code pgisolate serve}: serves the pool until stopped, then prints its usage. The front end
 * calls {@link #stop()} from a shutdown hook, so Ctrl-C and SIGTERM end it cleanly.
 */
public final class LeaseServe {
  private final LeaseSettings settings;
  private final PrintWriter err;
  private final HookStoppedServer server = new HookStoppedServer();
  private final AtomicBoolean reported = new AtomicBoolean();
  private final CountDownLatch started = new CountDownLatch(1);

  public LeaseServe(LeaseSettings settings, PrintWriter err) {
    this.settings = settings;
    this.err = err;
  }

  /**
   * Starts serving and blocks until {@link #stop()}; returns the exit code, 0. Starts nothing when
   * {@link #stop()} came first.
   */
  public int run() {
    Optional<LeaseServer> running = server.start(settings);
    if (running.isEmpty()) {
      return 0;
    }
    err.println(
        "pgisolate: serving "
            + settings.count()
            + " databases "
            + settings.prefix()
            + "0…"
            + settings.prefix()
            + (settings.count() - 1)
            + " on "
            + running.get().socket());
    err.flush();
    started.countDown();
    running.get().awaitStop();
    return 0;
  }

  /** Waits until the server listens, at most {@code timeout}; true when it does. */
  public boolean awaitStarted(Duration timeout) throws InterruptedException {
    return started.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The server, once started. */
  public LeaseServer server() {
    return server.server();
  }

  /**
   * Stops the server (idempotent), once it has started when it was starting, and prints peak usage
   * and total wait time.
   */
  public void stop() {
    server
        .stop()
        .filter(s -> reported.compareAndSet(false, true))
        .ifPresent(
            s -> {
              err.println(usage(s.pool()));
              err.flush();
            });
  }

  /** "Peak usage: 3 of 8 databases; leases: 17; total wait time: 12 ms". */
  static String usage(LeasePool pool) {
    LeasePool.Stats stats = pool.stats();
    return "Peak usage: "
        + stats.peakLeased()
        + " of "
        + pool.names().size()
        + " databases; leases: "
        + stats.grants()
        + "; total wait time: "
        + TimeUnit.NANOSECONDS.toMillis(stats.totalWaitNanos())
        + " ms";
  }
}
