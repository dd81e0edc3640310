package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One typed message exactly as it arrived: type byte, length and body in a single buffer, usually a
 * retained slice of the read buffer. Forwarding it means writing {@link #content()} as it is, no
 * copy and no re-encoding, so a proxy decodes only the messages it has to look into (with {@link
 * io.pgisolate.proxy.protocol.frontend.FrontendMessages} or {@link
 * io.pgisolate.proxy.protocol.backend.BackendMessages}) and passes everything else on, including
 * types it does not know.
 *
 * <p>Reference counted: whoever ends up holding it releases it (or writes it, which releases).
 */
public final class RawMessage extends DefaultByteBufHolder implements Message {
  /** Type byte plus Int32 length. */
  public static final int HEADER_LENGTH = 5;

  public RawMessage(ByteBuf frame) {
    super(frame);
  }

  public char type() {
    return (char) (content().getByte(content().readerIndex()) & 0xff);
  }

  /** The body after the length, as a slice sharing this message's reference count. */
  public ByteBuf body() {
    ByteBuf frame = content();
    return frame.slice(frame.readerIndex() + HEADER_LENGTH, frame.readableBytes() - HEADER_LENGTH);
  }

  /**
   * Copies the frame to {@code out}; to forward without copying, write {@code retain()} instead.
   */
  @Override
  public void encode(ByteBuf out) {
    out.writeBytes(content(), content().readerIndex(), content().readableBytes());
  }

  @Override
  public RawMessage replace(ByteBuf content) {
    return new RawMessage(content);
  }

  @Override
  public RawMessage retain() {
    super.retain();
    return this;
  }

  @Override
  public RawMessage touch(Object hint) {
    super.touch(hint);
    return this;
  }

  @Override
  public String toString() {
    return "RawMessage('"
        + type()
        + "', "
        + (content().readableBytes() - HEADER_LENGTH)
        + " bytes)";
  }
}
