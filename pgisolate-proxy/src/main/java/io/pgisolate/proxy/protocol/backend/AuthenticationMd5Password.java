package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;

/** AuthenticationMD5Password ('R', code 5): send md5(md5(password + user) + salt). */
public record AuthenticationMd5Password(byte[] salt) implements Authentication {
  public static final int CODE = 5;

  @Override
  public int code() {
    return CODE;
  }

  @Override
  public void encode(ByteBuf out) {
    Authentication.encode(out, CODE, salt);
  }
}
