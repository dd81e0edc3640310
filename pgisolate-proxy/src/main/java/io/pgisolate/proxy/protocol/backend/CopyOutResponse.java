package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/**
 * CopyOutResponse ('H'): COPY TO STDOUT data follows. Format 0 is text, 1 binary; one format code
 * per column.
 */
public record CopyOutResponse(byte format, short[] columnFormats) implements BackendMessage {
  public static final char TYPE = 'H';

  public static CopyOutResponse decode(ByteBuf body) {
    return new CopyOutResponse(body.readByte(), Wire.readInt16Array(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeByte(format);
    Wire.writeInt16Array(out, columnFormats);
    Wire.end(out, length);
  }
}
