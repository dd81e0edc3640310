package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** NoticeResponse ('N'): a WARNING, NOTICE, etc., with the same fields as an ErrorResponse. */
public record NoticeResponse(Map<Character, String> fields) implements BackendMessage {
  public static final char TYPE = 'N';

  public NoticeResponse {
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public static NoticeResponse of(String severity, String sqlState, String message) {
    return new NoticeResponse(NoticeFields.of(severity, sqlState, message));
  }

  public static NoticeResponse decode(ByteBuf body) {
    return new NoticeResponse(NoticeFields.decode(body));
  }

  public String message() {
    return fields.get('M');
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    NoticeFields.encode(out, fields);
    Wire.end(out, length);
  }
}
