package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * CopyBothResponse ('W'): COPY data flows both ways (streaming replication). Format 0 is text, 1
 * binary; one format code per column.
 */
public record CopyBothResponse(byte format, short[] columnFormats) implements BackendMessage {
  public static final char TYPE = 'W';

  public static CopyBothResponse decode(ByteBuf body) {
    return new CopyBothResponse(body.readByte(), Wire.readInt16Array(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeByte(format);
    Wire.writeInt16Array(out, columnFormats);
    Wire.end(out, length);
  }
}
