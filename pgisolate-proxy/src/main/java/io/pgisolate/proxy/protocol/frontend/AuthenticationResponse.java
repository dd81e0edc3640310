package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * A 'p' message before its meaning is known. PasswordMessage, SASLInitialResponse, SASLResponse and
 * GSSResponse share the type byte; only the authentication request the server sent tells them apart
 * (PostgreSQL docs, "Message Formats"), so the type dispatch yields this and the authentication
 * code reads it as what it asked for.
 */
public record AuthenticationResponse(byte[] body) implements FrontendMessage {
  public static final char TYPE = 'p';

  public static AuthenticationResponse decode(ByteBuf body) {
    return new AuthenticationResponse(Wire.readRest(body));
  }

  public PasswordMessage asPassword() {
    return Wire.decodeWhole(TYPE, Unpooled.wrappedBuffer(body), PasswordMessage::decode);
  }

  public SaslInitialResponse asSaslInitialResponse() {
    return Wire.decodeWhole(TYPE, Unpooled.wrappedBuffer(body), SaslInitialResponse::decode);
  }

  public SaslResponse asSaslResponse() {
    return new SaslResponse(body.clone());
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeBytes(body);
    Wire.end(out, length);
  }
}
