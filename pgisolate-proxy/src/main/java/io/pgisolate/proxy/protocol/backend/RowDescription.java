package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.ArrayList;
import java.util.List;

/** RowDescription ('T'): the columns of the rows that follow. */
public record RowDescription(List<Field> fields) implements BackendMessage {
  public static final char TYPE = 'T';

  /** Name, then 18 bytes: table OID, column number, type OID, size, modifier, format code. */
  private static final int MIN_FIELD_LENGTH = 19;

  public RowDescription {
    fields = List.copyOf(fields);
  }

  /** One column: where it comes from (0 if not a table column), its type and format. */
  public record Field(
      String name,
      int tableOid,
      short columnNumber,
      int typeOid,
      short typeSize,
      int typeModifier,
      short format) {}

  public static RowDescription decode(ByteBuf body) {
    int count = Wire.readCount(body, MIN_FIELD_LENGTH);
    List<Field> fields = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      fields.add(
          new Field(
              Wire.readCString(body),
              body.readInt(),
              body.readShort(),
              body.readInt(),
              body.readShort(),
              body.readInt(),
              body.readShort()));
    }
    return new RowDescription(fields);
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeShort(fields.size());
    for (Field field : fields) {
      Wire.writeCString(out, field.name());
      out.writeInt(field.tableOid());
      out.writeShort(field.columnNumber());
      out.writeInt(field.typeOid());
      out.writeShort(field.typeSize());
      out.writeInt(field.typeModifier());
      out.writeShort(field.format());
    }
    Wire.end(out, length);
  }
}
