package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;

/** AuthenticationSASLContinue ('R', code 11): a SASL challenge. */
public record AuthenticationSaslContinue(byte[] data) implements Authentication {
  public static final int CODE = 11;

  @Override
  public int code() {
    return CODE;
  }

  @Override
  public void encode(ByteBuf out) {
    Authentication.encode(out, CODE, data);
  }
}
