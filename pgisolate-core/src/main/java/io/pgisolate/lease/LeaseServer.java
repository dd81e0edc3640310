package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * <p>One thread runs a selector over every connection, so a release and the hand-over to the next
 * waiter happen in the same step: waiters are woken at once, in arrival order.
 */
public final class LeaseServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseServer.class);

  /** How often waiters retry for databases that other servers of a shared pool released. */
  static final Duration BACKEND_RETRY = Duration.ofMillis(50);

  /** How long to stop accepting after accept() failed (out of descriptors). */
  static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);

  private static final byte[] STATUS = "STATUS\n".getBytes(StandardCharsets.US_ASCII);

  private final LeasePool pool;
  private final SocketFile socket;
  private final Selector selector;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final PeerProcesses peers;
  private final Runnable afterServing;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  // Only touched by the server thread.
  private final Map<SocketChannel, Client> clients = new LinkedHashMap<>();
  private final ArrayDeque<Client> doomed = new ArrayDeque<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(4096);
  private long nextClientId;
  private long acceptPausedUntil; // nanoTime; 0 while accepting
  private volatile boolean running = true;
  private volatile Throwable failure;

  private LeaseServer(
      LeasePool pool,
      SocketFile socket,
      Selector selector,
      PeerProcesses peers,
      Runnable afterServing) {
    this.afterServing = afterServing;
    this.pool = pool;
    this.socket = socket;
    this.selector = selector;
    this.peers = peers;
    this.thread = new Thread(this::loop, "pgisolate-lease-server");
    this.thread.setDaemon(true);
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
      Optional<PoolDatabases> databases =
          plan.map(d -> PoolDatabases.on(d.server(), d.template(), settings.count()));
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
    SocketFile socket = SocketFile.bind(socketPath);
    Selector selector;
    try {
      beforeServing.run();
      selector = Selector.open();
      socket.channel().configureBlocking(false);
      socket.channel().register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      socket.close();
      throw new UncheckedIOException("could not start the lease server on " + socketPath, e);
    } catch (RuntimeException e) {
      socket.close();
      throw e;
    }
    LeaseServer server =
        new LeaseServer(pool, socket, selector, PeerProcesses.detect(), afterServing);
    server.thread.start();
    LOG.debug(
        "lease server for {} databases {}… listening on {}",
        pool.names().size(),
        pool.prefix(),
        socket.path());
    return server;
  }

  /** Runs {@code task} on the server's thread, soon. */
  void post(Runnable task) {
    tasks.add(task);
    if (selector.isOpen()) {
      selector.wakeup();
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
    running = false;
    selector.wakeup();
    if (Thread.currentThread() == thread) {
      return; // the loop ends after this step and cleans up itself
    }
    try {
      thread.join(10_000);
      if (thread.isAlive()) {
        LOG.error("lease server thread did not stop within 10 s");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    awaitStop();
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

  /** One connection and where it is in the protocol. */
  private static final class Client {
    final long id;
    final SocketChannel channel;
    final long connectedAtNanos = System.nanoTime();
    SelectionKey key;
    LeasePool.Request request;
    Lease lease;
    boolean toldOk;
    boolean statusClient;
    // The first bytes, while they may still spell "STATUS\n".
    int statusMatched;
    boolean firstBytesDecided;
    ByteBuffer pending;

    Client(long id, SocketChannel channel) {
      this.id = id;
      this.channel = channel;
    }
  }

  private void loop() {
    try {
      long retryMillis = pool.gate().map(g -> g.retryInterval().toMillis()).orElse(0L);
      long nextRetry = System.nanoTime();
      while (running) {
        long wait = retryMillis;
        if (acceptPausedUntil != 0) {
          long left = Math.max(1, (acceptPausedUntil - System.nanoTime()) / 1_000_000);
          wait = wait == 0 ? left : Math.min(wait, left);
        }
        selector.select(wait); // 0: until something happens
        resumeAcceptingWhenDue();
        for (SelectionKey key : selector.selectedKeys()) {
          try {
            if (!key.isValid()) {
              continue;
            }
            if (key.isAcceptable()) {
              acceptAll();
              continue;
            }
            Client client = (Client) key.attachment();
            if (key.isReadable()) {
              read(client);
            }
            if (key.isValid() && key.isWritable()) {
              flush(client);
            }
          } catch (RuntimeException e) {
            // One client's trouble must never stop the server.
            LOG.error("lease server: unexpected error on a connection", e);
            if (key.attachment() instanceof Client c) {
              disconnect(c);
            }
          }
        }
        selector.selectedKeys().clear();
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run(); // e.g. a database back from its reset: granted to a waiter here
        }
        Client gone;
        while ((gone = doomed.poll()) != null) {
          disconnect(gone);
        }
        if (retryMillis > 0 && System.nanoTime() - nextRetry >= 0) {
          pool.retryWaiters(); // other servers release without telling us
          nextRetry = System.nanoTime() + retryMillis * 1_000_000;
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
      LOG.error("lease server on {} failed", socket.path(), e);
    } finally {
      for (Client c : new ArrayList<>(clients.values())) {
        disconnect(c);
      }
      try {
        afterServing.run(); // finish resets, drop created databases
      } catch (RuntimeException e) {
        LOG.error("lease server on {}: {}", socket.path(), e.getMessage(), e);
      }
      pool.gate().ifPresent(LeaseGate::close);
      try {
        selector.close();
      } catch (IOException e) {
        LOG.debug("closing selector", e);
      }
      socket.close();
      stopped.countDown();
    }
  }

  private void acceptAll() throws IOException {
    ServerSocketChannel listener = socket.channel();
    while (true) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        // Out of descriptors (EMFILE) most likely. The connection stays in the backlog and the
        // selector would report it again at once: pause accepting instead of spinning.
        pauseAccepting(e);
        return;
      }
      if (channel == null) {
        return;
      }
      channel.configureBlocking(false);
      Client client = new Client(nextClientId++, channel);
      client.key = channel.register(selector, SelectionKey.OP_READ, client);
      clients.put(channel, client);
      // A STATUS client writes right after connecting: most often its bytes are here already.
      read(client);
      if (client.channel.isOpen() && client.statusMatched == 0 && !client.firstBytesDecided) {
        requestLease(client);
      }
    }
  }

  private void pauseAccepting(IOException e) {
    LOG.warn(
        "lease server: cannot accept connections ({}); pausing {} ms. Hint: raise the open files"
            + " limit (ulimit -n); {} clients are connected.",
        e.getMessage(),
        ACCEPT_PAUSE.toMillis(),
        clients.size());
    socket.channel().keyFor(selector).interestOps(0);
    acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE.toNanos();
  }

  private void resumeAcceptingWhenDue() {
    if (acceptPausedUntil != 0 && System.nanoTime() - acceptPausedUntil >= 0) {
      acceptPausedUntil = 0;
      socket.channel().keyFor(selector).interestOps(SelectionKey.OP_ACCEPT);
    }
  }

  private void requestLease(Client client) {
    LeasePool.Request request = pool.request("#" + client.id, lease -> granted(client, lease));
    if (client.lease == null) {
      client.request = request; // waiting; when a database was free, granted() ran already
    }
  }

  private void granted(Client client, Lease lease) {
    client.request = null;
    client.lease = lease;
    client.toldOk = true;
    LOG.debug(
        "lease {} to client #{} after {} µs", lease.name(), client.id, lease.waitedNanos() / 1000);
    send(client, ("OK:" + lease.name()).getBytes(StandardCharsets.UTF_8), false);
  }

  private void read(Client client) {
    while (true) {
      readBuffer.clear();
      int n;
      try {
        n = client.channel.read(readBuffer);
      } catch (IOException e) {
        n = -1; // ECONNRESET and friends: the client is gone
      }
      if (n < 0) {
        disconnect(client);
        return;
      }
      if (n == 0) {
        return;
      }
      readBuffer.flip();
      if (!client.firstBytesDecided && !client.statusClient) {
        matchStatus(client);
      }
      // Everything else a client sends is ignored: the lease lasts until it closes.
    }
  }

  private void matchStatus(Client client) {
    while (readBuffer.hasRemaining() && !client.firstBytesDecided) {
      if (readBuffer.get() != STATUS[client.statusMatched]) {
        client.firstBytesDecided = true; // not a STATUS request: an ordinary (chatty) client
        if (client.request == null && client.lease == null) {
          requestLease(client);
        }
        return;
      }
      if (++client.statusMatched == STATUS.length) {
        client.firstBytesDecided = true;
        answerStatus(client);
        return;
      }
    }
  }

  private void answerStatus(Client client) {
    if (client.lease != null) {
      // It was handed a database before its request came in (it wrote right after connecting,
      // but the server was quicker). The lease stays until it closes, as for every client; the
      // report follows on a new line.
      String report = "\n" + StatusReport.render(pool, statusLines());
      send(client, report.getBytes(StandardCharsets.UTF_8), false);
      return;
    }
    if (client.request != null && pool.cancel(client.request)) {
      client.request = null;
    }
    String report = StatusReport.render(pool, statusLines());
    send(client, report.getBytes(StandardCharsets.UTF_8), true);
  }

  private List<StatusReport.Line> statusLines() {
    PeerProcesses.Lookup lookup = peers.lookup();
    List<StatusReport.Line> lines = new ArrayList<>();
    long now = System.nanoTime();
    for (Client c : clients.values()) {
      if (c.lease != null) {
        lines.add(
            new StatusReport.Line(
                c.lease.name(),
                c.lease.index(),
                lookup.describe(c.channel),
                now - c.lease.grantedAtNanos()));
      } else if (c.request != null) {
        lines.add(
            new StatusReport.Line(
                null, (int) c.id, lookup.describe(c.channel), now - c.connectedAtNanos));
      }
    }
    return lines;
  }

  private void send(Client client, byte[] bytes, boolean closeAfter) {
    client.pending = ByteBuffer.wrap(bytes);
    if (closeAfter) {
      client.statusClient = true;
    }
    flush(client);
  }

  private void flush(Client client) {
    ByteBuffer out = client.pending;
    if (out == null) {
      return;
    }
    try {
      client.channel.write(out);
    } catch (IOException e) {
      // EPIPE: the client left before its answer; its lease comes back. Deferred, not here: a
      // release may grant to a waiter whose write fails too, and so on, which must not recurse.
      doomed.add(client);
      return;
    }
    if (out.hasRemaining()) {
      client.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      return;
    }
    client.pending = null;
    if (client.key.isValid()) {
      client.key.interestOps(SelectionKey.OP_READ);
    }
    if (client.statusClient) {
      doomed.add(client);
    }
  }

  private void disconnect(Client client) {
    if (clients.remove(client.channel) == null) {
      return;
    }
    try {
      client.channel.close();
    } catch (IOException e) {
      LOG.debug("closing client #{}", client.id, e);
    }
    if (client.request != null) {
      pool.cancel(client.request);
      client.request = null;
    }
    if (client.lease != null) {
      Lease lease = client.lease;
      client.lease = null;
      LOG.debug("client #{} released {}", client.id, lease.name());
      pool.release(lease); // may grant it to a waiter: its OK: is written right here
    }
  }
}
