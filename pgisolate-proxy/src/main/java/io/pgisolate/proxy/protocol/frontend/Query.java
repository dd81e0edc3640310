package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Query ('Q'): a simple-protocol query string, possibly several statements. */
public record Query(String sql) implements FrontendMessage {
  public static final char TYPE = 'Q';

  public static Query decode(ByteBuf body) {
    return new Query(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, sql);
    Wire.end(out, length);
  }
}
