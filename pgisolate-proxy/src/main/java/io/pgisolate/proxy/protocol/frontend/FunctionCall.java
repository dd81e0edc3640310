package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.List;

/** FunctionCall ('F'): the legacy fast-path call of function {@code functionOid}. */
public record FunctionCall(
    int functionOid, short[] argumentFormats, List<byte[]> arguments, short resultFormat)
    implements FrontendMessage {
  public static final char TYPE = 'F';

  public static FunctionCall decode(ByteBuf body) {
    int oid = body.readInt();
    short[] formats = Wire.readInt16Array(body);
    List<byte[]> arguments = Wire.readValues(body);
    return new FunctionCall(oid, formats, arguments, body.readShort());
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeInt(functionOid);
    Wire.writeInt16Array(out, argumentFormats);
    Wire.writeValues(out, arguments);
    out.writeShort(resultFormat);
    Wire.end(out, length);
  }
}
