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
 * rejected before the body is awaited, and so is a protocol major version other than 3; so are
 * bytes received behind an SSLRequest or GSSENCRequest in the same read (the client must wait for
 * the answer).
 */
public final class StartupPacketDecoder extends StreamDecoder {
  /** SQLSTATE 0A000, feature_not_supported, which PostgreSQL uses for an unsupported protocol. */
  public static final String FEATURE_NOT_SUPPORTED = "0A000";

  private static final int MIN_LENGTH = 8;

  /**
   * The first byte of a TLS record carrying a handshake message, such as a ClientHello; a startup
   * packet's first byte is 0, the top of its length.
   */
  public static final int TLS_HANDSHAKE_RECORD = 0x16;

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
      if (in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE_RECORD) {
        throw new ProtocolException(
            "received a TLS handshake instead of a startup packet: direct SSL connections"
                + " (sslnegotiation=direct) need TLS configured on the proxy, and must start with"
                + " it");
      }
      throw new ProtocolException("invalid length of startup packet");
    }
    if (in.readableBytes() < length) {
      return;
    }
    ByteBuf packet = in.readSlice(length).skipBytes(4);
    StartupPacket decoded = decodePacket(packet);
    if ((decoded == SslRequest.INSTANCE || decoded == GssEncRequest.INSTANCE) && in.isReadable()) {
      // The client must wait for the one-byte answer. Bytes behind the request were sent before
      // any encryption, perhaps injected by a man in the middle (CVE-2021-23214): PostgreSQL
      // refuses them as a protocol violation, and so does the proxy, before it answers.
      throw new ProtocolException(
          "received unencrypted data after "
              + (decoded == SslRequest.INSTANCE ? "SSL request" : "GSSAPI encryption request"));
    }
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
