package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.List;

/**
 * Bind ('B'): creates {@code portal} from prepared {@code statement} with parameter values ({@code
 * null} entries are SQL NULL). Format codes: 0 text, 1 binary. The arrays are not copied: treat
 * them as read-only.
 */
public record Bind(
    String portal,
    String statement,
    short[] parameterFormats,
    List<byte[]> parameters,
    short[] resultFormats)
    implements FrontendMessage {
  public static final char TYPE = 'B';

  public static Bind decode(ByteBuf body) {
    String portal = Wire.readCString(body);
    String statement = Wire.readCString(body);
    short[] parameterFormats = Wire.readInt16Array(body);
    List<byte[]> parameters = Wire.readValues(body);
    short[] resultFormats = Wire.readInt16Array(body);
    return new Bind(portal, statement, parameterFormats, parameters, resultFormats);
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, portal);
    Wire.writeCString(out, statement);
    Wire.writeInt16Array(out, parameterFormats);
    Wire.writeValues(out, parameters);
    Wire.writeInt16Array(out, resultFormats);
    Wire.end(out, length);
  }
}
