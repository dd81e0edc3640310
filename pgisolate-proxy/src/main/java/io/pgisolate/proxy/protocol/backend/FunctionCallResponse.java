package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** FunctionCallResponse ('V'): the result of a FunctionCall; {@code null} is SQL NULL. */
public record FunctionCallResponse(byte[] result) implements BackendMessage {
  public static final char TYPE = 'V';

  public static FunctionCallResponse decode(ByteBuf body) {
    return new FunctionCallResponse(Wire.readNullableBytes(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeNullableBytes(out, result);
    Wire.end(out, length);
  }
}
