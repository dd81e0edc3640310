package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.pgisolate.proxy.protocol.MessageFramer;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.StreamDecoder;
import io.pgisolate.proxy.protocol.Wire;
import java.util.List;

/**
 * Decodes the untyped packets a client sends first (PostgreSQL docs, "Start-up"): SSLRequest and
 * GSSENCRequest (after which another packet follows), then a StartupMessage or a CancelRequest.
 * After either of those the stream carries typed messages, so this decoder replaces itself with a
 * {@link MessageFramer}; bytes already received behind the packet go to the framer.
 *
 * <p>The checks follow the postmaster's ProcessStartupPacket: a length outside 8 to 10,000 bytes is
 * rejected before the body is awaited, and so is a protocol major version other than 3.
 */
public final class StartupPacketDecoder extends StreamDecoder {
  /** SQLSTATE 0A000, feature_not_supported, which PostgreSQL uses for an unsupported protocol. */
  public static final String FEATURE_NOT_SUPPORTED = "0A000";

  private static final int MIN_LENGTH = 8;

  private final int maxMessageLength;

  /**
   * @param maxMessageLength the limit of the {@link MessageFramer} that takes over after start-up
   */
  public StartupPacketDecoder(int maxMessageLength) {
    this.maxMessageLength = maxMessageLength;
  }

  @Override
  protected void decodeStream(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 4) {
      return;
    }
    int length = in.getInt(in.readerIndex());
    if (length < MIN_LENGTH || length > StartupPacket.MAX_LENGTH) {
      throw new ProtocolException("invalid length of startup packet");
    }
    if (in.readableBytes() < length) {
      return;
    }
    ByteBuf packet = in.readSlice(length).skipBytes(4);
    StartupPacket decoded = decodePacket(packet);
    out.add(decoded);
    if (decoded instanceof StartupMessage || decoded instanceof CancelRequest) {
      ctx.pipeline().replace(this, "framer", new MessageFramer(maxMessageLength));
    }
  }

  /** Decodes one packet after its length: the code and what follows. */
  public static StartupPacket decodePacket(ByteBuf packet) {
    int code = packet.readInt();
    switch (code) {
      case SslRequest.CODE:
        return SslRequest.INSTANCE;
      case GssEncRequest.CODE:
        return GssEncRequest.INSTANCE;
      case CancelRequest.CODE:
        return Wire.decodeWhole("cancel request packet", packet, CancelRequest::decode);
      default:
        if (code >>> 16 != 3) {
          throw new ProtocolException(
              FEATURE_NOT_SUPPORTED,
              "unsupported frontend protocol "
                  + (code >>> 16)
                  + "."
                  + (code & 0xffff)
                  + ": server supports 3.0 to 3.0");
        }
        if (packet.readableBytes() == 0 || packet.getByte(packet.writerIndex() - 1) != 0) {
          throw new ProtocolException(
              "invalid startup packet layout: expected terminator as last byte");
        }
        return Wire.decodeWhole(
            "startup packet", packet, body -> StartupMessage.decode(code, body));
    }
  }
}
