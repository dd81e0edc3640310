package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Execute ('E'): runs {@code portal}, returning at most {@code maxRows} rows (0 = all). */
public record Execute(String portal, int maxRows) implements FrontendMessage {
  public static final char TYPE = 'E';

  public static Execute decode(ByteBuf body) {
    return new Execute(Wire.readCString(body), body.readInt());
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, portal);
    out.writeInt(maxRows);
    Wire.end(out, length);
  }
}
