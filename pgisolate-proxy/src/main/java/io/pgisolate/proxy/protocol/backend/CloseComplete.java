package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** CloseComplete ('3'). */
public enum CloseComplete implements BackendMessage {
  INSTANCE;

  public static final char TYPE = '3';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
