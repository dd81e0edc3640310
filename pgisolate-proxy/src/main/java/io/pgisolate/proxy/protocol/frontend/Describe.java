package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Describe ('D'): {@code kind} 'S' for a prepared statement or 'P' for a portal. */
public record Describe(char kind, String name) implements FrontendMessage {
  public static final char TYPE = 'D';

  public static Describe decode(ByteBuf body) {
    return new Describe((char) body.readUnsignedByte(), Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeByte(kind);
    Wire.writeCString(out, name);
    Wire.end(out, length);
  }
}
