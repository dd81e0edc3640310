package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * PasswordMessage ('p'): a cleartext or md5-hashed password. Which of the 'p' messages a body is
 * depends on what the server asked for; see {@link AuthenticationResponse}.
 */
public record PasswordMessage(String password) implements FrontendMessage {
  public static final char TYPE = 'p';

  public static PasswordMessage decode(ByteBuf body) {
    return new PasswordMessage(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, password);
    Wire.end(out, length);
  }
}
