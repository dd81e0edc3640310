package io.pgisolate.lease;

import io.pgisolate.os.DaemonThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --reset}: re-creates each released database from the template on a background thread, then
 * hands it back to the pool on the server's thread; a database whose template changed since it was
 * made is reset again before it is leased (see {@link PoolTemplate}). A reset that fails is retried
 * (after 1 s, doubling up to 30 s) and the database stays out of the pool meanwhile: a dirty
 * database is never leased, and none is lost (the status report lists it as resetting).
 */
final class ResetRecycler implements LeasePool.Recycler {
  private static final Logger LOG = LoggerFactory.getLogger(ResetRecycler.class);

  private final PoolDatabases databases;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(DaemonThreads.named("pgisolate-lease-reset"));
  private final CompletableFuture<Consumer<Runnable>> handBack = new CompletableFuture<>();

  ResetRecycler(PoolDatabases databases) {
    this.databases = databases;
  }

  /** Where the "done" of a reset runs: the server's thread, so grants happen there. */
  void handBackOn(Consumer<Runnable> target) {
    handBack.complete(target);
  }

  @Override
  public void recycle(Lease released, Runnable done) {
    if (executor.isShutdown()) {
      return; // the server stops: every database is made again at start
    }
    executor.execute(
        () -> {
          long pause = 1_000;
          while (!Thread.currentThread().isInterrupted()) {
            try {
              long t0 = System.nanoTime();
              databases.reset(released.name());
              LOG.debug("reset {} in {} ms", released.name(), (System.nanoTime() - t0) / 1_000_000);
              handBack.join().accept(done);
              return;
            } catch (RuntimeException e) {
              if (Thread.currentThread().isInterrupted()) {
                return; // the server stops (shutdown): every database is made again at start
              }
              LOG.error("{}; retrying in {} ms", e.getMessage(), pause);
              try {
                Thread.sleep(pause); // a back-off between attempts of a background task
              } catch (InterruptedException stop) {
                return;
              }
              pause = Math.min(pause * 2, 30_000);
            }
          }
        });
  }

  /** Out of date when its template changed since it was made (a schema source edited). */
  @Override
  public boolean isCurrent(String database) {
    return databases.isCurrent(database);
  }

  /**
   * Drops queued resets and waits (bounded) for the running one. Safe: a server with {@code
   * --reset} re-creates every database when it starts.
   */
  void shutdown(Duration timeout) {
    executor.shutdownNow();
    try {
      executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
