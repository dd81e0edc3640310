package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** CommandComplete ('C'): the command tag, such as "INSERT 0 1" or "COMMIT". */
public record CommandComplete(String tag) implements BackendMessage {
  public static final char TYPE = 'C';

  public static CommandComplete decode(ByteBuf body) {
    return new CommandComplete(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, tag);
    Wire.end(out, length);
  }
}
