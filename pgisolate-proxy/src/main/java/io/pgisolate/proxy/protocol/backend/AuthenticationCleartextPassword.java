package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;

/** AuthenticationCleartextPassword ('R', code 3): send the password as it is. */
public enum AuthenticationCleartextPassword implements Authentication {
  INSTANCE;

  public static final int CODE = 3;

  @Override
  public int code() {
    return CODE;
  }

  @Override
  public void encode(ByteBuf out) {
    Authentication.encode(out, CODE, new byte[0]);
  }
}
