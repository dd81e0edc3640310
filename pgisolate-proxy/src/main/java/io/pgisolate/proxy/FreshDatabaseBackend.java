package io.pgisolate.proxy;

import io.pgisolate.os.DaemonThreads;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fresh-database modes: each client connection gets its own clone of a template, taken from a
 * warm {@link ClonePool}, whatever database name the client asked for; the clone is dropped when
 * the client disconnects (or kept, with its name logged, when {@code persist}). In {@link #single
 * single} mode every connection shares one clone, taken at the first connection and given back when
 * this selector is closed.
 *
 * <p>{@link ClonePool#acquire()} blocks, so it runs on this selector's own threads, never on the
 * proxy's event loop. The pool belongs to the caller, who closes it after the proxy and this
 * selector: closing a pool drops every clone it still has out, so none outlives the proxy.
 *
 * <pre>{@code
 * Template template = Templates.ensure(server, InitSource.sql(schema), Duration.ofMinutes(1));
 * try (ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults());
 *     FreshDatabaseBackend fresh = FreshDatabaseBackend.perConnection(pool, address, user, pw);
 *     ProxyServer proxy = ProxyServer.builder().backendSelector(fresh).start()) {
 *   // every connection to proxy.port() has a database of its own
 * }
 * }</pre>
 */
public final class FreshDatabaseBackend implements BackendSelector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FreshDatabaseBackend.class);

  private final ClonePool pool;
  private final SocketAddress address;
  private final String user;
  private final String password;
  private final boolean shared;
  private final boolean persist;
  private final ExecutorService acquirers;

  /** Clones handed to connections, by database name (per-connection mode). */
  private final Map<String, Clone> inUse = new ConcurrentHashMap<>();

  /** Per-connection selections waiting for their clone, with the task that waits. */
  private final Map<CompletionStage<BackendTarget>, Future<?>> acquiring =
      new ConcurrentHashMap<>();

  /** The one clone of single mode, once a connection asked for it. */
  private CompletableFuture<Clone> single;

  private boolean closed;

  private FreshDatabaseBackend(
      ClonePool pool,
      SocketAddress address,
      String user,
      String password,
      boolean shared,
      boolean persist) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.address = Objects.requireNonNull(address, "address");
    this.user = Objects.requireNonNull(user, "user");
    this.password = password;
    this.shared = shared;
    this.persist = persist;
    this.acquirers = Executors.newCachedThreadPool(DaemonThreads.numbered("pgisolate-fresh"));
  }

  /**
   * A new clone per connection.
   *
   * @param address where the pool's server is reached by the proxy (TCP or its socket file)
   * @param user the user the proxy logs in as there
   * @param password its password; null when the server trusts the proxy
   */
  public static FreshDatabaseBackend perConnection(
      ClonePool pool, SocketAddress address, String user, String password) {
    return new FreshDatabaseBackend(pool, address, user, password, false, false);
  }

  /** One clone, shared by every connection, taken at the first one. */
  public static FreshDatabaseBackend single(
      ClonePool pool, SocketAddress address, String user, String password) {
    return new FreshDatabaseBackend(pool, address, user, password, true, false);
  }

  /**
   * Keeps clones instead of dropping them: each is marked as kept ({@link ClonePool#keep}) and its
   * name logged, when its connection ends (or, in single mode, when this selector is closed).
   */
  public FreshDatabaseBackend persist() {
    return new FreshDatabaseBackend(pool, address, user, password, shared, true);
  }

  public boolean isSingle() {
    return shared;
  }

  public boolean isPersistent() {
    return persist;
  }

  /** Clones currently given to connections (per-connection mode). */
  public int clonesInUse() {
    return inUse.size();
  }

  @Override
  public CompletionStage<BackendTarget> select(StartupMessage client) {
    if (shared) {
      return sharedClone().thenApply(c -> selected(client, c));
    }
    synchronized (this) {
      if (closed) {
        return shuttingDown();
      }
    }
    CompletableFuture<BackendTarget> selection = new CompletableFuture<>();
    Future<?> acquisition;
    try {
      acquisition =
          acquirers.submit(
              () -> {
                try {
                  Clone clone = pool.acquire();
                  inUse.put(clone.name(), clone);
                  selection.complete(selected(client, clone));
                } catch (RuntimeException e) {
                  selection.completeExceptionally(e);
                } finally {
                  acquiring.remove(selection);
                }
              });
    } catch (RejectedExecutionException e) {
      return shuttingDown(); // closed after the check above
    }
    acquiring.put(selection, acquisition);
    if (selection.isDone()) {
      acquiring.remove(selection);
    }
    return selection;
  }

  /**
   * The client left while waiting for its clone: it stops waiting (its thread is interrupted), so
   * it takes no clone from the clients still there when the pool is at its maximum. A clone it got
   * all the same is released by the proxy as for any client that left.
   */
  @Override
  public void abandon(CompletionStage<BackendTarget> selection) {
    Future<?> acquisition = acquiring.remove(selection);
    if (acquisition != null) {
      acquisition.cancel(true);
    }
  }

  private BackendTarget selected(StartupMessage client, Clone clone) {
    log.debug("client database {} is {}", client.parameters().getOrDefault("database", ""), clone);
    return target(client, clone);
  }

  private static <T> CompletableFuture<T> shuttingDown() {
    return CompletableFuture.failedFuture(new IllegalStateException("the proxy is shutting down"));
  }

  private synchronized CompletableFuture<Clone> sharedClone() {
    if (closed) {
      return shuttingDown();
    }
    if (single == null || single.isCompletedExceptionally()) {
      // A failed acquire is not remembered: the next connection tries again.
      single = CompletableFuture.supplyAsync(pool::acquire, acquirers);
    }
    return single;
  }

  private BackendTarget target(StartupMessage client, Clone clone) {
    Map<String, String> parameters = new LinkedHashMap<>(client.parameters());
    parameters.put("database", clone.name());
    return new BackendTarget(address, user, password, parameters);
  }

  @Override
  public void release(BackendTarget target) {
    if (shared) {
      return;
    }
    Clone clone = inUse.remove(target.database());
    if (clone != null) {
      giveBack(clone);
    }
  }

  /** Drops (or keeps) a clone; keeping talks to the server, so it runs off the event loop. */
  private void giveBack(Clone clone) {
    if (!persist) {
      pool.release(clone); // drops it in the pool's background
      return;
    }
    try {
      acquirers.execute(() -> keep(clone));
    } catch (RuntimeException e) {
      keep(clone); // closing: the executor no longer takes work
    }
  }

  private void keep(Clone clone) {
    try {
      pool.keep(clone, "pgisolate proxy --persist");
      log.info("Kept database {} (--persist)", clone.name());
    } catch (RuntimeException e) {
      log.warn("Could not keep database {}: {}", clone.name(), e.getMessage());
    }
  }

  /**
   * Gives back the single-mode clone and any clone a connection still holds (dropped, or kept when
   * persistent), and stops this selector's threads. Call it after closing the proxy.
   */
  @Override
  public void close() {
    CompletableFuture<Clone> one;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      one = single;
    }
    acquirers.shutdown();
    try {
      if (!acquirers.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("Fresh-database threads did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (one != null && one.isDone() && !one.isCompletedExceptionally()) {
      giveBack(one.join());
    }
    inUse.values().forEach(this::giveBack);
    inUse.clear();
  }

  @Override
  public String toString() {
    return "FreshDatabaseBackend["
        + (shared ? "single" : "per connection")
        + (persist ? ", persist" : "")
        + ", "
        + pool
        + "]";
  }
}
