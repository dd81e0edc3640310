package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** ParameterDescription ('t'): the type OIDs of a prepared statement's parameters. */
public record ParameterDescription(int[] typeOids) implements BackendMessage {
  public static final char TYPE = 't';

  public static ParameterDescription decode(ByteBuf body) {
    int count = Wire.readCount(body, 4);
    int[] oids = new int[count];
    for (int i = 0; i < count; i++) {
      oids[i] = body.readInt();
    }
    return new ParameterDescription(oids);
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeShort(typeOids.length);
    for (int oid : typeOids) {
      out.writeInt(oid);
    }
    Wire.end(out, length);
  }
}
