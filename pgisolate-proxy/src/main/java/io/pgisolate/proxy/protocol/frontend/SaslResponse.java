package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** SASLResponse ('p'): a later SASL message from the client; the whole body is the data. */
public record SaslResponse(byte[] data) implements FrontendMessage {
  public static final char TYPE = 'p';

  public static SaslResponse decode(ByteBuf body) {
    return new SaslResponse(Wire.readRest(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeBytes(data);
    Wire.end(out, length);
  }
}
