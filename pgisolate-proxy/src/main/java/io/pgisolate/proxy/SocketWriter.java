package io.pgisolate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.util.Map;

/**
 * Writes relayed bytes straight to a channel's socket while nothing is queued for it, as pgbouncer
 * does: one {@code send}, and Netty's outbound path (the pipeline walk for the write and for the
 * flush, an outbound-buffer entry, the flush bookkeeping) only for what the socket did not take.
 *
 * <p>Why: on two cores shared with pgbench and PostgreSQL, the proxy's single event loop is the
 * bottleneck at 8 and 32 clients (it waits for a CPU about as long as it runs), so its CPU time per
 * transaction sets the throughput; most of that time is the kernel's, and the outbound path was the
 * largest part of what the JVM added to each relayed read.
 *
 * <p>Only for a native-transport channel whose pipeline has no outbound handler (a TLS client's has
 * its {@code SslHandler}: its bytes must be encrypted) — {@link #of} returns null otherwise — and
 * only while its outbound buffer is empty, so bytes never overtake queued ones.
 */
final class SocketWriter {
  private final Channel channel;
  private final Socket socket;

  private SocketWriter(Channel channel, Socket socket) {
    this.channel = channel;
    this.socket = socket;
  }

  /** A writer for {@code channel}, or null when its writes must go through its pipeline. */
  static SocketWriter of(Channel channel) {
    if (!(channel instanceof UnixChannel unix) || !(unix.fd() instanceof Socket s)) {
      return null;
    }
    for (Map.Entry<String, ChannelHandler> handler : channel.pipeline()) {
      if (handler.getValue() instanceof ChannelOutboundHandler) {
        return null;
      }
    }
    return new SocketWriter(channel, s);
  }

  /**
   * Sends what the socket takes of {@code bytes} now, advancing its reader index, when nothing is
   * queued before it; the caller writes the rest (if any) through the channel.
   *
   * @return true when every byte was sent (or the channel failed and was closed); {@code bytes} is
   *     then released
   */
  boolean trySend(ByteBuf bytes) {
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    if (queued == null || queued.totalPendingWriteBytes() != 0 || !bytes.hasMemoryAddress()) {
      return false;
    }
    try {
      int start = bytes.readerIndex();
      int end = bytes.writerIndex();
      int sent = socket.sendAddress(bytes.memoryAddress(), start, end);
      bytes.readerIndex(start + sent);
    } catch (IOException e) {
      // EPIPE, ECONNRESET: as a failed write through the pipeline, the channel closes and the
      // relay's channelInactive closes the other side.
      ProxyServer.log.debug("writing to {} failed", channel, e);
      bytes.release();
      channel.close();
      return true;
    }
    if (bytes.isReadable()) {
      return false;
    }
    bytes.release();
    return true;
  }
}
