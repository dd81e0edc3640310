package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** ReadyForQuery ('Z'): status 'I' idle, 'T' in a transaction, 'E' in a failed transaction. */
public record ReadyForQuery(char status) implements BackendMessage {
  public static final char TYPE = 'Z';
  public static final ReadyForQuery IDLE = new ReadyForQuery('I');

  public static ReadyForQuery decode(ByteBuf body) {
    return new ReadyForQuery((char) body.readUnsignedByte());
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeByte(status);
    Wire.end(out, length);
  }
}
