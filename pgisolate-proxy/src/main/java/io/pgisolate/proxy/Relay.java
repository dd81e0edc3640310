package io.pgisolate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.protocol.RawMessage;

/**
 * Moves bytes from one channel to its peer, as Netty's HexDumpProxy does: auto-read is off and the
 * next read is requested only when the previous write has been flushed, so a slow reader on one
 * side stops reading on the other and nothing piles up in memory.
 *
 * <p>After start-up the plain proxy relays raw reads, not messages: it has nothing to inspect, and
 * framing would cost a decode step, a slice and a write per message where a read often holds dozens
 * (pgbench -S: Bind/Execute/Sync in one read, DataRow/CommandComplete/ReadyForQuery in the other).
 * Modes that rewrite messages put a {@link io.pgisolate.proxy.protocol.MessageFramer} in front;
 * {@link RawMessage} frames are accepted here too and forwarded without copying.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private final Channel peer;

  Relay(Channel peer) {
    this.peer = peer;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Object bytes = msg instanceof RawMessage raw ? raw.content() : msg;
    if (!peer.isActive()) {
      ReferenceCountUtil.release(bytes);
      return;
    }
    peer.writeAndFlush(bytes)
        .addListener(
            (ChannelFutureListener)
                future -> {
                  if (future.isSuccess()) {
                    ctx.channel().read();
                  } else {
                    future.channel().close();
                  }
                });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Channels.closeOnFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ProxyServer.log.debug("connection {} failed", ctx.channel(), cause);
    Channels.closeOnFlush(ctx.channel());
  }
}
