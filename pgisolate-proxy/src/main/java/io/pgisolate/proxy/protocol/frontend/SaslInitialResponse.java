package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * SASLInitialResponse ('p'): the chosen mechanism and the client's first message ({@code null} when
 * the length is -1, "no initial response").
 */
public record SaslInitialResponse(String mechanism, byte[] data) implements FrontendMessage {
  public static final char TYPE = 'p';

  public static SaslInitialResponse decode(ByteBuf body) {
    String mechanism = Wire.readCString(body);
    return new SaslInitialResponse(mechanism, Wire.readNullableBytes(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, mechanism);
    Wire.writeNullableBytes(out, data);
    Wire.end(out, length);
  }
}
