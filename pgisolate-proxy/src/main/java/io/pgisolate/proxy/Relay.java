package io.pgisolate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.protocol.RawMessage;

/**
 * Moves bytes from one channel to its peer, on the event loop both channels share.
 *
 * <p>Reads are automatic and what a read loop produced is flushed once, at channelReadComplete:
 * pgbench -S puts Bind/Execute/Sync in one read and DataRow/CommandComplete/ReadyForQuery in the
 * other, so a transaction costs one read and one write per direction and no {@code read()}
 * re-arming in between. Backpressure follows the peer's write watermarks: when the peer's outbound
 * buffer rises above its high watermark this channel stops reading (auto-read off), and reading
 * resumes when the peer has drained below its low watermark. What the proxy holds per direction is
 * therefore bounded by the high watermark plus one read loop.
 *
 * <p>What the peer's socket takes at once is sent straight to it ({@link SocketWriter}); only the
 * rest goes through the peer's pipeline and outbound buffer, and counts toward its watermarks.
 *
 * <p>After start-up the plain proxy relays raw reads, not messages: it has nothing to inspect, and
 * framing would cost a decode step, a slice and a write per message. Modes that rewrite messages
 * put a {@link io.pgisolate.proxy.protocol.MessageFramer} in front; {@link RawMessage} frames are
 * accepted here too and forwarded without copying.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private boolean unflushed;
  // Null until the peer's pipeline is settled (see peerSettled), and for peers it does not suit.
  private SocketWriter direct;

  Relay(Channel peer) {
    this.peer = peer;
  }

  /**
   * Starts relaying: reads from {@code ctx}'s channel while the peer can take writes. Both channels
   * are on the same event loop, so the peer's writability cannot change under us.
   */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(peer.isWritable());
  }

  /**
   * The peer's start-up handlers are gone: from now on what the peer's socket takes is sent
   * straight to it when nothing is queued ({@link SocketWriter}). Until then writes go through the
   * peer's pipeline, whose encoder is still there when relaying starts.
   */
  void peerSettled() {
    direct = SocketWriter.of(peer);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Object bytes = msg instanceof RawMessage raw ? raw.content() : msg;
    if (!peer.isActive()) {
      ReferenceCountUtil.release(bytes);
      return;
    }
    if (direct != null && bytes instanceof ByteBuf buf && direct.trySend(buf)) {
      return;
    }
    // A failed write closes the peer (its Relay's exceptionCaught), which closes this channel.
    peer.write(bytes, peer.voidPromise());
    unflushed = true;
    if (!peer.isWritable()) {
      // Stops this read loop too: Netty checks auto-read before reading again.
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (unflushed) {
      unflushed = false;
      peer.flush();
    }
    ctx.fireChannelReadComplete();
  }

  /** This channel's writability changed: the peer reads again, or stops, accordingly. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    boolean writable = ctx.channel().isWritable();
    if (peer.config().isAutoRead() != writable) {
      peer.config().setAutoRead(writable);
    }
    ctx.fireChannelWritabilityChanged();
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
