package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;

/** SSLRequest: the client asks for TLS; the server answers one byte, 'S' or 'N'. */
public enum SslRequest implements StartupPacket {
  INSTANCE;

  public static final int CODE = 80877103;

  @Override
  public void encode(ByteBuf out) {
    out.writeInt(8);
    out.writeInt(CODE);
  }
}
