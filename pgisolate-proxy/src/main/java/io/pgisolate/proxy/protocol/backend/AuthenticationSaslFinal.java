package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;

/** AuthenticationSASLFinal ('R', code 12): the SASL outcome ("v=" server signature for SCRAM). */
public record AuthenticationSaslFinal(byte[] data) implements Authentication {
  public static final int CODE = 12;

  @Override
  public int code() {
    return CODE;
  }

  @Override
  public void encode(ByteBuf out) {
    Authentication.encode(out, CODE, data);
  }
}
