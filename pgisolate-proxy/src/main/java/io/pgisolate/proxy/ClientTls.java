package io.pgisolate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.pgisolate.proxy.auth.AuthenticationFailure;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.frontend.SslRequest;
import io.pgisolate.proxy.protocol.frontend.StartupPacket;
import io.pgisolate.proxy.protocol.frontend.StartupPacketDecoder;
import java.util.List;
import java.util.Optional;

/**
 * The proxy's side of a client's TLS negotiation (PostgreSQL docs, "SSL Session Encryption"). With
 * {@link TlsSettings}, an SSLRequest is answered 'S' and Netty's {@link SslHandler} goes first in
 * the pipeline, so the handshake and then the StartupMessage arrive through it; a connection that
 * opens with a TLS handshake instead (PostgreSQL 17's {@code sslnegotiation=direct}) gets the
 * handler at once. Without settings every SSLRequest is answered 'N'.
 *
 * <p>As PostgreSQL does, TLS is offered over TCP only: on the UNIX socket SSLRequest is answered
 * 'N' and {@link TlsSettings#required()} does not apply.
 */
final class ClientTls {
  private final TlsSettings settings;

  private ClientTls(TlsSettings settings) {
    this.settings = settings;
  }

  static ClientTls of(Optional<TlsSettings> settings) {
    return new ClientTls(settings.orElse(null));
  }

  /** Goes first in a new connection's pipeline: recognises a direct TLS handshake. */
  void initChannel(Channel channel) {
    if (offered(channel)) {
      channel.pipeline().addLast("direct-tls", new DirectTlsDetector());
    }
  }

  /**
   * The one-byte answer to SSLRequest or GSSENCRequest. 'S' only to an SSLRequest with TLS
   * configured, and then the SslHandler is already in place: it lets the 'S' itself through in the
   * clear and decrypts everything after it. GSSAPI encryption is never offered.
   *
   * @throws ProtocolException for either request on a connection that is already encrypted, as
   *     PostgreSQL refuses it
   */
  byte answer(Channel channel, StartupPacket request) {
    if (encrypted(channel)) {
      throw new ProtocolException(
          "received "
              + (request == SslRequest.INSTANCE ? "SSLRequest" : "GSSENCRequest")
              + " on a connection that is already encrypted");
    }
    if (request != SslRequest.INSTANCE || !offered(channel)) {
      return 'N';
    }
    channel
        .pipeline()
        .addFirst("tls", new SslHandler(settings.context().newEngine(channel.alloc()), true));
    return 'S';
  }

  /**
   * Called with a StartupMessage: refuses one that came in the clear over TCP when TLS is required,
   * as PostgreSQL refuses a client that only {@code hostssl} lines of pg_hba.conf would admit.
   * CancelRequests are not checked: PostgreSQL takes them in the clear too (pg_hba.conf does not
   * apply to them), and libpq before version 17 sends them so even on TLS sessions.
   */
  void checkStartup(Channel channel) {
    if (offered(channel) && settings.required() && !encrypted(channel)) {
      throw new AuthenticationFailure(
          "28000",
          "this pgisolate proxy requires SSL: connect with sslmode=require (or verify-ca,"
              + " verify-full)");
    }
  }

  private boolean offered(Channel channel) {
    return settings != null && channel instanceof SocketChannel;
  }

  private static boolean encrypted(Channel channel) {
    return channel.pipeline().get(SslHandler.class) != null;
  }

  /**
   * Looks at a connection's first byte: a TLS handshake record means direct TLS, and this handler
   * is replaced by an {@link SslHandler}; anything else means a startup packet, and it removes
   * itself. Either way the bytes it holds go on to the handler that follows (Netty's {@link
   * ByteToMessageDecoder} hands them over when it is removed).
   */
  private final class DirectTlsDetector extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (in.getUnsignedByte(in.readerIndex()) != StartupPacketDecoder.TLS_HANDSHAKE_RECORD) {
        ctx.pipeline().remove(this);
        return;
      }
      Channel channel = ctx.channel();
      SslHandler tls = new SslHandler(settings.context().newEngine(channel.alloc()));
      tls.handshakeFuture()
          .addListener(
              handshake -> {
                // PostgreSQL refuses a direct TLS connection that did not negotiate its ALPN
                // protocol: the client may not know that it talks to PostgreSQL.
                if (handshake.isSuccess()
                    && !TlsSettings.ALPN_PROTOCOL.equals(tls.applicationProtocol())) {
                  channel
                      .pipeline()
                      .fireExceptionCaught(
                          new ProtocolException(
                              "received direct SSL connection request without ALPN protocol"
                                  + " negotiation extension"));
                }
              });
      ctx.pipeline().replace(this, "tls", tls);
    }
  }
}
