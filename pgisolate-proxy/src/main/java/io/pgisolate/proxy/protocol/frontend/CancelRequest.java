package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.Wire;

/**
 * CancelRequest, sent on a new connection: cancel what the session with this key is running. The
 * secret is 4 bytes in protocol 3.0 and up to 256 bytes from 3.2 on (PostgreSQL docs,
 * "CancelRequest").
 */
public record CancelRequest(int processId, byte[] secret) implements StartupPacket {
  public static final int CODE = 80877102;

  /** The longest secret key protocol 3.2 allows. */
  public static final int MAX_SECRET_LENGTH = 256;

  /** Decodes what follows the code. */
  public static CancelRequest decode(ByteBuf body) {
    int processId = body.readInt();
    if (body.readableBytes() < 4 || body.readableBytes() > MAX_SECRET_LENGTH) {
      throw new io.pgisolate.proxy.protocol.ProtocolException(
          "invalid length of cancel request packet");
    }
    return new CancelRequest(processId, Wire.readRest(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.beginUntyped(out);
    out.writeInt(CODE);
    out.writeInt(processId);
    out.writeBytes(secret);
    Wire.end(out, length);
  }
}
