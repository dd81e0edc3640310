package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * The Authentication* messages ('R'), told apart by the Int32 code that starts the body (PostgreSQL
 * docs, "Message Formats"). Codes the proxy does not implement (Kerberos, GSSAPI, SSPI) decode to
 * {@link AuthenticationOther}.
 */
public interface Authentication extends BackendMessage {
  char TYPE = 'R';

  int code();

  static Authentication decode(ByteBuf body) {
    int code = body.readInt();
    return switch (code) {
      case AuthenticationOk.CODE -> AuthenticationOk.INSTANCE;
      case AuthenticationCleartextPassword.CODE -> AuthenticationCleartextPassword.INSTANCE;
      case AuthenticationMd5Password.CODE -> new AuthenticationMd5Password(Wire.readBytes(body, 4));
      case AuthenticationSasl.CODE -> AuthenticationSasl.decodeMechanisms(body);
      case AuthenticationSaslContinue.CODE -> new AuthenticationSaslContinue(Wire.readRest(body));
      case AuthenticationSaslFinal.CODE -> new AuthenticationSaslFinal(Wire.readRest(body));
      default -> new AuthenticationOther(code, Wire.readRest(body));
    };
  }

  /** Writes an 'R' message with this code and the given extra bytes. */
  static void encode(ByteBuf out, int code, byte[] data) {
    int length = Wire.begin(out, TYPE);
    out.writeInt(code);
    out.writeBytes(data);
    Wire.end(out, length);
  }
}
