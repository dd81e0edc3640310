package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * Splits a byte stream of typed messages (PostgreSQL docs, "Message Formats": Byte1 type, Int32
 * length counting itself, body) into {@link RawMessage} frames, each a retained slice of the read
 * buffer.
 *
 * <p>The length is checked as soon as the 5-byte header is readable, before any of the body has
 * arrived: a length below 4 or above {@code maxLength} is rejected without waiting for, or
 * allocating, what it announces. A frame within the limit is buffered whole, so the limit bounds
 * what one connection can make the proxy hold.
 */
public final class MessageFramer extends StreamDecoder {
  /**
   * PostgreSQL's own ceiling for a message (PQ_LARGE_MESSAGE_LIMIT, MaxAllocSize - 1): nothing
   * larger can be valid, so a proxy that forwards everything a server accepts needs no more.
   */
  public static final int POSTGRES_MAX_MESSAGE_LENGTH = 0x3fffffff - 1;

  private final int maxLength;

  /**
   * @param maxLength the largest accepted length field (which counts the 4 length bytes)
   */
  public MessageFramer(int maxLength) {
    if (maxLength < 4) {
      throw new IllegalArgumentException("maxLength must be at least 4, was " + maxLength);
    }
    this.maxLength = maxLength;
  }

  @Override
  protected void decodeStream(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= RawMessage.HEADER_LENGTH) {
      int start = in.readerIndex();
      char type = (char) (in.getByte(start) & 0xff);
      int length = in.getInt(start + 1);
      if (length < 4) {
        throw new ProtocolException(
            "invalid message length " + length + " for " + Wire.describe(type));
      }
      if (length > maxLength) {
        throw new ProtocolException(
            Wire.describe(type)
                + " of "
                + length
                + " bytes exceeds the limit of "
                + maxLength
                + " bytes");
      }
      if (in.readableBytes() < length + 1) {
        return;
      }
      out.add(new RawMessage(in.readRetainedSlice(length + 1)));
    }
  }
}
