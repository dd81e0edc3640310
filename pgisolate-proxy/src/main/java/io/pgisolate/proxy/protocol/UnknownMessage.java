package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A typed message the dispatch does not know, kept byte for byte so it can still be forwarded: the
 * peer on the other side decides whether it is valid.
 */
public record UnknownMessage(char type, byte[] body) implements FrontendMessage, BackendMessage {
  public static UnknownMessage decode(char type, ByteBuf body) {
    return new UnknownMessage(type, Wire.readRest(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, type);
    out.writeBytes(body);
    Wire.end(out, length);
  }
}
