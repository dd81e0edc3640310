package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** Flush ('H'): asks the server to send what it has produced so far. */
public enum Flush implements FrontendMessage {
  INSTANCE;

  public static final char TYPE = 'H';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
