package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;

/**
 * An authentication request the proxy does not implement: KerberosV5 (2), SCMCredential (6), GSS
 * (7), GSSContinue (8), SSPI (9) or a future code. Kept whole so it can be reported or forwarded.
 */
public record AuthenticationOther(int code, byte[] data) implements Authentication {
  @Override
  public void encode(ByteBuf out) {
    Authentication.encode(out, code, data);
  }
}
