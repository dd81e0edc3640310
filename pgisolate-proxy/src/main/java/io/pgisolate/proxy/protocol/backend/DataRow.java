package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.List;

/** DataRow ('D'): one row's column values; {@code null} entries are SQL NULL. */
public record DataRow(List<byte[]> values) implements BackendMessage {
  public static final char TYPE = 'D';

  public static DataRow decode(ByteBuf body) {
    return new DataRow(Wire.readValues(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeValues(out, values);
    Wire.end(out, length);
  }
}
