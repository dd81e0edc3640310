package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;

/** CopyData ('d'): a chunk of COPY data, sent by either side. */
public record CopyData(byte[] data) implements FrontendMessage, BackendMessage {
  public static final char TYPE = 'd';

  public static CopyData decode(ByteBuf body) {
    return new CopyData(Wire.readRest(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeBytes(data);
    Wire.end(out, length);
  }
}
