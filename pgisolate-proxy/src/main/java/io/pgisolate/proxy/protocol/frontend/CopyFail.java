package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** CopyFail ('f'): the client aborts COPY FROM STDIN, giving a reason. */
public record CopyFail(String reason) implements FrontendMessage {
  public static final char TYPE = 'f';

  public static CopyFail decode(ByteBuf body) {
    return new CopyFail(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, reason);
    Wire.end(out, length);
  }
}
