package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Terminate ('X'): the client is closing the connection. */
public enum Terminate implements FrontendMessage {
  INSTANCE;

  public static final char TYPE = 'X';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
