package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * A decoder of a protocol stream that cannot be resynchronised after an error: the first {@link
 * ProtocolException} is raised once, and everything after it (what is left and whatever still
 * arrives before the channel closes) is dropped, so the error is not raised again when the channel
 * goes inactive.
 */
public abstract class StreamDecoder extends ByteToMessageDecoder {
  private boolean failed;

  @Override
  protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    try {
      decodeStream(ctx, in, out);
    } catch (ProtocolException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  /** Decodes what {@code in} holds; throws {@link ProtocolException} on a broken stream. */
  protected abstract void decodeStream(ChannelHandlerContext ctx, ByteBuf in, List<Object> out);
}
