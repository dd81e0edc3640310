package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * BackendKeyData ('K'): the key a client needs to cancel this session's queries. The secret is 4
 * bytes in protocol 3.0, up to 256 from 3.2 on.
 */
public record BackendKeyData(int processId, byte[] secret) implements BackendMessage {
  public static final char TYPE = 'K';

  public static BackendKeyData decode(ByteBuf body) {
    return new BackendKeyData(body.readInt(), Wire.readRest(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeInt(processId);
    out.writeBytes(secret);
    Wire.end(out, length);
  }
}
