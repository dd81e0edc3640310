package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;

/** AuthenticationOk ('R', code 0): authentication succeeded. */
public enum AuthenticationOk implements Authentication {
  INSTANCE;

  public static final int CODE = 0;

  @Override
  public int code() {
    return CODE;
  }

  @Override
  public void encode(ByteBuf out) {
    Authentication.encode(out, CODE, new byte[0]);
  }
}
