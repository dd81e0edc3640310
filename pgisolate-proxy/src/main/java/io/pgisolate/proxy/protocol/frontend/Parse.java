package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.Arrays;

/** Parse ('P'): prepares {@code sql} as statement {@code name} ("" = unnamed). */
public record Parse(String name, String sql, int[] parameterTypes) implements FrontendMessage {
  public static final char TYPE = 'P';

  public Parse {
    parameterTypes = parameterTypes.clone();
  }

  public static Parse decode(ByteBuf body) {
    String name = Wire.readCString(body);
    String sql = Wire.readCString(body);
    int count = Wire.readCount(body, 4);
    int[] types = new int[count];
    for (int i = 0; i < count; i++) {
      types[i] = body.readInt();
    }
    return new Parse(name, sql, types);
  }

  @Override
  public int[] parameterTypes() {
    return parameterTypes.clone();
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    Wire.writeCString(out, name);
    Wire.writeCString(out, sql);
    out.writeShort(parameterTypes.length);
    for (int type : parameterTypes) {
      out.writeInt(type);
    }
    Wire.end(out, length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Parse p
        && name.equals(p.name)
        && sql.equals(p.sql)
        && Arrays.equals(parameterTypes, p.parameterTypes);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + sql.hashCode();
  }

  @Override
  public String toString() {
    return "Parse[name="
        + name
        + ", sql="
        + sql
        + ", parameterTypes="
        + Arrays.toString(parameterTypes)
        + "]";
  }
}
