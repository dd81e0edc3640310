package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** ParameterStatus ('S'): the current value of a reported run-time parameter. */
public record ParameterStatus(String name, String value) implements BackendMessage {
  public static final char TYPE = 'S';

  public static ParameterStatus decode(ByteBuf body) {
    return new ParameterStatus(Wire.readCString(body), Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, name);
    Wire.writeCString(out, value);
    Wire.end(out, length);
  }
}
