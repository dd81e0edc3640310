package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** EmptyQueryResponse ('I'): the query string was empty. */
public enum EmptyQueryResponse implements BackendMessage {
  INSTANCE;

  public static final char TYPE = 'I';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
