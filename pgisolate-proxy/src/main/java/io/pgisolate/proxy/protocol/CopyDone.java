package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;

/** CopyDone ('c'): the end of COPY data, sent by either side. */
public enum CopyDone implements FrontendMessage, BackendMessage {
  INSTANCE;

  public static final char TYPE = 'c';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
