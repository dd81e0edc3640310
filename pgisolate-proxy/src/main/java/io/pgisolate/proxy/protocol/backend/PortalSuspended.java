package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** PortalSuspended ('s'): Execute's row limit was reached. */
public enum PortalSuspended implements BackendMessage {
  INSTANCE;

  public static final char TYPE = 's';

  @Override
  public void encode(ByteBuf out) {
    Wire.writeEmpty(out, TYPE);
  }
}
