package io.pgisolate.lease;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connected clients of a lease server and the protocol with each (see {@link LeaseServer}).
 * Everything here runs on the server's event loop, so a release and the hand-over to the next
 * waiter happen in the same step.
 */
final class LeaseClients {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseClients.class);
  private static final byte[] STATUS = "STATUS\n".getBytes(StandardCharsets.US_ASCII);

  private final LeasePool pool;
  // In arrival order, for the status report.
  private final Map<Channel, Connection> connected = new LinkedHashMap<>();
  // A new connection's first bytes, read before Netty reads (see readFirstBytes).
  private final ByteBuffer firstBytes = ByteBuffer.allocateDirect(STATUS.length);
  private long nextClientId;

  LeaseClients(LeasePool pool) {
    this.pool = pool;
  }

  int size() {
    return connected.size();
  }

  /** The handler for a connection just accepted. */
  Connection newConnection() {
    return new Connection(nextClientId++);
  }

  /** Disconnects everyone; their leases go back to the pool. */
  void disconnectAll() {
    for (Connection c : new ArrayList<>(connected.values())) {
      disconnect(c);
    }
  }

  /** One connection and where it is in the protocol. */
  final class Connection extends ChannelInboundHandlerAdapter {
    final long id;
    final long connectedAtNanos = System.nanoTime();
    EpollDomainSocketChannel channel;
    LeasePool.Request request;
    Lease lease;
    // The first bytes, while they may still spell "STATUS\n".
    int statusMatched;
    boolean firstBytesDecided;

    Connection(long id) {
      this.id = id;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      channel = (EpollDomainSocketChannel) ctx.channel();
      connected.put(channel, this);
      readFirstBytes(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf bytes = (ByteBuf) msg;
      try {
        if (!firstBytesDecided) {
          matchStatus(this, bytes);
        }
        // Everything else a client sends is ignored: the lease lasts until it closes.
      } finally {
        bytes.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disconnect(this); // closed, by the client (EOF, also of its writing side alone) or by us
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        LOG.debug("client #{}: {}", id, cause.toString()); // ECONNRESET and friends: it is gone
      } else {
        // One client's trouble must never stop the server: this client goes, the others stay.
        LOG.error("lease server: unexpected error on the connection of client #{}", id, cause);
      }
      ctx.close();
    }
  }

  /**
   * A STATUS client writes right after connecting, so its request is often here already: it must
   * get a report, not a lease. So a new connection's first bytes are read at once, before Netty
   * reads (it starts once the channel is active, after this), from the descriptor itself; what this
   * read leaves, epoll reports to Netty as usual.
   */
  private void readFirstBytes(Connection client) {
    int n;
    try {
      n = client.channel.fd().read(firstBytes, 0, firstBytes.capacity());
    } catch (IOException e) {
      n = -1; // ECONNRESET and friends: the client is gone
    }
    if (n < 0) {
      client.channel.close(); // it left already
      return;
    }
    if (n > 0) {
      matchStatus(client, Unpooled.wrappedBuffer(firstBytes).writerIndex(n));
    }
    if (client.statusMatched == 0 && !client.firstBytesDecided) {
      requestLease(client); // nothing yet: an ordinary client. A partial "STAT" waits for the rest
    }
  }

  private void requestLease(Connection client) {
    LeasePool.Request request = pool.request("#" + client.id, lease -> granted(client, lease));
    if (client.lease == null) {
      client.request = request; // waiting; when a database was free, granted() ran already
    }
  }

  private void granted(Connection client, Lease lease) {
    client.request = null;
    client.lease = lease;
    LOG.debug(
        "lease {} to client #{} after {} µs", lease.name(), client.id, lease.waitedNanos() / 1000);
    // A write that fails (the client left) closes the channel; its lease comes back when Netty
    // reports it closed, in a later task: handing it on to a waiter whose write fails too does not
    // recurse.
    send(client, "OK:" + lease.name());
  }

  private void matchStatus(Connection client, ByteBuf bytes) {
    while (bytes.isReadable() && !client.firstBytesDecided) {
      if (bytes.readByte() != STATUS[client.statusMatched]) {
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

  private void answerStatus(Connection client) {
    if (client.lease != null) {
      // It was handed a database before its request came in (it wrote after the server's look).
      // The lease stays until it closes, as for every client; the report follows on a new line.
      send(client, "\n" + StatusReport.render(pool, statusLines()));
      return;
    }
    if (client.request != null && pool.cancel(client.request)) {
      client.request = null;
    }
    send(client, StatusReport.render(pool, statusLines())).addListener(ChannelFutureListener.CLOSE);
  }

  private List<StatusReport.Line> statusLines() {
    List<StatusReport.Line> lines = new ArrayList<>();
    long now = System.nanoTime();
    for (Connection c : connected.values()) {
      if (c.lease != null) {
        lines.add(
            new StatusReport.Line(
                c.lease.name(),
                c.lease.index(),
                PeerProcesses.describe(c.channel),
                now - c.lease.grantedAtNanos()));
      } else if (c.request != null) {
        lines.add(
            new StatusReport.Line(
                null, c.id, PeerProcesses.describe(c.channel), now - c.connectedAtNanos));
      }
    }
    return lines;
  }

  private ChannelFuture send(Connection client, String text) {
    ByteBuf out = client.channel.alloc().directBuffer(text.length() * 3);
    out.writeCharSequence(text, StandardCharsets.UTF_8);
    return client.channel.writeAndFlush(out);
  }

  private void disconnect(Connection client) {
    if (connected.remove(client.channel) == null) {
      return;
    }
    client.channel.close();
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
