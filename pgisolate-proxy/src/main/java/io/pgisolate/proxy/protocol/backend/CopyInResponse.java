package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * CopyInResponse ('G'): the server is ready for COPY FROM STDIN data. Format 0 is text, 1 binary;
 * one format code per column.
 */
public record CopyInResponse(byte format, short[] columnFormats) implements BackendMessage {
  public static final char TYPE = 'G';

  public static CopyInResponse decode(ByteBuf body) {
    return new CopyInResponse(body.readByte(), Wire.readInt16Array(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeByte(format);
    Wire.writeInt16Array(out, columnFormats);
    Wire.end(out, length);
  }
}
