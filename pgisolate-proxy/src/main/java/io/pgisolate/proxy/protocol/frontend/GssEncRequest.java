package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;

/** GSSENCRequest: the client asks for GSSAPI encryption; the server answers 'G' or 'N'. */
public enum GssEncRequest implements StartupPacket {
  INSTANCE;

  public static final int CODE = 80877104;

  @Override
  public void encode(ByteBuf out) {
    out.writeInt(8);
    out.writeInt(CODE);
  }
}
