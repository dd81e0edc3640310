package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.Wire;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body shared by ErrorResponse and NoticeResponse: fields, each a code byte and a string, ended
 * by a zero byte (PostgreSQL docs, "Error and Notice Message Fields"). Order is kept.
 */
final class NoticeFields {
  private NoticeFields() {}

  static Map<Character, String> decode(ByteBuf body) {
    Map<Character, String> fields = new LinkedHashMap<>();
    while (true) {
      byte code = body.readByte();
      if (code == 0) {
        return Collections.unmodifiableMap(fields);
      }
      fields.put((char) (code & 0xff), Wire.readCString(body));
    }
  }

  static void encode(ByteBuf out, Map<Character, String> fields) {
    for (Map.Entry<Character, String> field : fields.entrySet()) {
      out.writeByte(field.getKey());
      Wire.writeCString(out, field.getValue());
    }
    out.writeByte(0);
  }

  static Map<Character, String> of(String severity, String sqlState, String message) {
    Map<Character, String> fields = new LinkedHashMap<>();
    fields.put('S', severity);
    fields.put('V', severity);
    fields.put('C', sqlState);
    fields.put('M', message);
    return fields;
  }
}
