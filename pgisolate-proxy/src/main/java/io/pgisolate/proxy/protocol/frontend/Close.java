package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Close ('C'): {@code kind} 'S' closes a prepared statement, 'P' a portal. */
public record Close(char kind, String name) implements FrontendMessage {
  public static final char TYPE = 'C';

  public static Close decode(ByteBuf body) {
    return new Close((char) body.readUnsignedByte(), Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeByte(kind);
    Wire.writeCString(out, name);
    Wire.end(out, length);
  }
}
