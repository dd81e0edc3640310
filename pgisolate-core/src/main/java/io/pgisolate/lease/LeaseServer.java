package io.pgisolate.lease;

import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgisolate.PgIsolateException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pgmanager-compatible lease server on a UNIX socket.
 *
 * <p>Protocol (pgmanager's): a client connects; as soon as a database is free the server writes
 * {@code OK:<name>} (no newline) and the database is the client's until it closes the connection
 * (or shuts down its writing side), whatever it sends in between. A client whose first bytes are
 * {@code STATUS\n} gets a {@linkplain StatusReport status report}: instead of a lease, closing the
 * connection after it, when the request came before a database was handed out; otherwise after its
 * {@code OK:<name>}, on a new line, keeping the lease until it closes.
 *
 * <p>One thread, a Netty epoll event loop, serves every connection ({@link LeaseClients}), so a
 * release and the hand-over to the next waiter happen in the same step: waiters are woken at once,
 * in arrival order. Linux only, as are the PostgreSQL binaries pgisolate runs.
 */
public final class LeaseServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseServer.class);

  /** How often waiters retry for databases that other servers of a shared pool released. */
  static final Duration BACKEND_RETRY = Duration.ofMillis(50);

  /** How often the server looks whether its socket file is still there. */
  static final Duration SOCKET_CHECK = Duration.ofSeconds(1);

  private final LeasePool pool;
  private final SocketFile socket;
  private final EpollEventLoopGroup group;
  private final EventLoop loop;
  private final LeaseClients clients;
  private final Runnable afterServing;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile Throwable failure;

  private LeaseServer(LeasePool pool, SocketFile socket, Runnable afterServing) {
    this.pool = pool;
    this.socket = socket;
    this.afterServing = afterServing;
    this.group =
        new EpollEventLoopGroup(1, new DefaultThreadFactory("pgisolate-lease-server", true));
    this.loop = group.next();
    this.clients = new LeaseClients(pool);
  }

  /** Binds the socket and starts serving; fails with a one-line message when it cannot. */
  public static LeaseServer start(LeaseSettings settings) {
    LeaseGate gate =
        settings
            .backend()
            .map(b -> AdvisoryLockGate.connect(b, settings.prefix(), BACKEND_RETRY))
            .orElse(null);
    try {
      Optional<LeaseDatabases> plan = settings.databases();
      Optional<PoolDatabases> databases = plan.map(d -> PoolDatabases.on(d, settings.count()));
      ResetRecycler recycler =
          plan.filter(LeaseDatabases::reset)
              .map(d -> new ResetRecycler(databases.get()))
              .orElse(null);
      LeasePool pool =
          new LeasePool(settings.prefix(), settings.count(), System::nanoTime, gate, recycler);
      boolean create = plan.map(LeaseDatabases::create).orElse(false);
      // --reset starts clean too: every database is made from the template before serving.
      Runnable beforeServing =
          create || recycler != null ? () -> databases.get().createAll(pool.names()) : () -> {};
      Runnable afterServing =
          () -> {
            if (recycler != null) {
              recycler.shutdown(Duration.ofSeconds(30));
            }
            try {
              if (create) {
                databases.get().dropAll(pool.names());
              }
            } finally {
              databases.ifPresent(PoolDatabases::close);
            }
          };
      LeaseServer server;
      try {
        server = start(pool, settings.socket(), beforeServing, afterServing);
      } catch (RuntimeException e) {
        databases.ifPresent(PoolDatabases::close);
        throw e;
      }
      if (recycler != null) {
        recycler.handBackOn(server::post);
      }
      return server;
    } catch (RuntimeException e) {
      if (gate != null) {
        gate.close();
      }
      throw e;
    }
  }

  /** Serves {@code pool} on {@code socketPath}. */
  public static LeaseServer start(LeasePool pool, Path socketPath) {
    return start(pool, socketPath, () -> {}, () -> {});
  }

  private static LeaseServer start(
      LeasePool pool, Path socketPath, Runnable beforeServing, Runnable afterServing) {
    if (!Epoll.isAvailable()) {
      throw epollUnavailable(Epoll.unavailabilityCause());
    }
    SocketFile socket = SocketFile.bind(socketPath);
    LeaseServer server;
    try {
      beforeServing.run();
      server = new LeaseServer(pool, socket, afterServing);
    } catch (RuntimeException e) {
      socket.close();
      throw e;
    }
    server.serve();
    LOG.debug(
        "lease server for {} databases {}… listening on {}",
        pool.names().size(),
        pool.prefix(),
        socket.path());
    return server;
  }

  static PgIsolateException epollUnavailable(Throwable cause) {
    return new PgIsolateException(
        "cannot start the lease server: Netty's native epoll transport is unavailable ("
            + cause
            + "). Hint: the lease server runs on Linux x86-64 only, like the PostgreSQL binaries"
            + " pgisolate ships.",
        cause);
  }

  private void serve() {
    socket.channel().pipeline().addLast(new ConnectionAcceptor(clients));
    Throwable failed = loop.register(socket.channel()).awaitUninterruptibly().cause();
    if (failed != null) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      socket.close();
      throw new PgIsolateException(
          "could not start the lease server on " + socket.path() + ": " + failed, failed);
    }
    every(SOCKET_CHECK, "re-creating its deleted socket file", this::relistenIfDeleted);
    pool.gate()
        .ifPresent(
            gate -> {
              every(gate.retryInterval(), "retrying waiters", pool::retryWaiters);
              gate.recheckInterval()
                  .ifPresent(every -> every(every, "checking held locks", pool::recheckGate));
            });
  }

  /**
   * Puts a deleted socket file back: a running server that nobody can reach, and that makes a new
   * one refuse to start for the lock it holds, helps no one; stopping it would take the leases of
   * the clients still connected.
   */
  private void relistenIfDeleted() {
    socket
        .relistenIfDeleted()
        .ifPresent(
            fresh -> {
              LOG.warn(
                  "lease server: its socket file {} was deleted; listening on a new one there",
                  socket.path());
              fresh.pipeline().addLast(new ConnectionAcceptor(clients));
              Throwable failed = loop.register(fresh).cause(); // on the loop: done already
              if (failed != null) {
                LOG.error("lease server: could not listen on {} again", socket.path(), failed);
              }
            });
  }

  /**
   * Runs {@code task} on the server's thread every {@code interval}: other servers of a shared pool
   * release without telling us, and its backend may end the sessions that hold our locks.
   */
  private void every(Duration interval, String what, Runnable task) {
    long nanos = interval.toNanos();
    loop.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            // Logged, not thrown: Netty would cancel the periodic task for good.
            LOG.error("lease server on {}: {} failed: {}", socket.path(), what, e.toString(), e);
          }
        },
        nanos,
        nanos,
        TimeUnit.NANOSECONDS);
  }

  /** Runs {@code task} on the server's thread, soon; once the server has stopped, never. */
  void post(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // stopped: nobody is left to hand a database to
    }
  }

  public Path socket() {
    return socket.path();
  }

  public LeasePool pool() {
    return pool;
  }

  /** Stops serving: every client is disconnected, the socket file removed. Idempotent. */
  @Override
  public void close() {
    if (stopping.compareAndSet(false, true)) {
      loop.execute(this::stopServing);
    }
    if (loop.inEventLoop()) {
      return; // stopServing runs after this step
    }
    try {
      if (!group.terminationFuture().await(10, TimeUnit.SECONDS)) {
        LOG.error("lease server thread did not stop within 10 s");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    awaitStop();
  }

  private void stopServing() {
    try {
      socket.markStopping();
      clients.disconnectAll();
      try {
        afterServing.run(); // finish resets, drop created databases
      } catch (RuntimeException e) {
        LOG.error("lease server on {}: {}", socket.path(), e.getMessage(), e);
      }
      pool.gate().ifPresent(LeaseGate::close);
      socket.close();
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("lease server on {} failed", socket.path(), e);
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      stopped.countDown();
    }
  }

  /** Blocks until the server has stopped (after {@link #close()}, e.g. from a shutdown hook). */
  public void awaitStop() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while waiting for the lease server to stop", e);
    }
    if (failure != null) {
      throw new PgIsolateException(
          "the lease server on " + socket.path() + " failed: " + failure, failure);
    }
  }

  /** Waits up to {@code timeout} for the server to stop; true when it has. */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
