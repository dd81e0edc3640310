package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** NoData ('n'): the described statement or portal returns no rows. */
public enum NoData implements BackendMessage {
  INSTANCE;

  public static final char TYPE = 'n';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
