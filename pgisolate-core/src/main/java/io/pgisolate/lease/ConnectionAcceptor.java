package io.pgisolate.lease;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening channel's handler: each accepted connection gets its {@link LeaseClients} handler
 * and joins the event loop; when accepting fails, accepting pauses.
 */
final class ConnectionAcceptor extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionAcceptor.class);

  /** How long to stop accepting after accept() failed (out of descriptors). */
  static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);

  private final LeaseClients clients;

  ConnectionAcceptor(LeaseClients clients) {
    this.clients = clients;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel child = (Channel) msg;
    child.pipeline().addLast(clients.newConnection());
    // On this loop's thread the registration runs here and now: channelActive comes before the
    // next accept.
    ctx.channel()
        .eventLoop()
        .register(child)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.warn("lease server: could not register a connection: {}", f.cause().toString());
                child.unsafe().closeForcibly();
              }
            });
  }

  /**
   * Out of descriptors (EMFILE) most likely. The connection stays in the backlog; Netty's
   * edge-triggered epoll would not report it again until the next one arrives. Pause, then look
   * again: bounded, and no spinning meanwhile.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!ctx.channel().config().isAutoRead()) {
      return; // paused already
    }
    LOG.warn(
        "lease server: cannot accept connections ({}); pausing {} ms. Hint: raise the open files"
            + " limit (ulimit -n); {} clients are connected.",
        cause.getMessage(),
        ACCEPT_PAUSE.toMillis(),
        clients.size());
    ctx.channel().config().setAutoRead(false);
    ctx.channel()
        .eventLoop()
        .schedule(
            () -> {
              ctx.channel().config().setAutoRead(true); // re-arms epoll: waiting ones show up
            },
            ACCEPT_PAUSE.toMillis(),
            TimeUnit.MILLISECONDS);
  }
}
