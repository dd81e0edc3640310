package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Sync ('S'): ends an extended-protocol batch; the server answers ReadyForQuery. */
public enum Sync implements FrontendMessage {
  INSTANCE;

  public static final char TYPE = 'S';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
