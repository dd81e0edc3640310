package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** ErrorResponse ('E'): fields keyed by code: 'S' severity, 'C' SQLSTATE, 'M' message, ... */
public record ErrorResponse(Map<Character, String> fields) implements BackendMessage {
  public static final char TYPE = 'E';

  public ErrorResponse {
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** A FATAL error, the kind that ends a connection. */
  public static ErrorResponse fatal(String sqlState, String message) {
    return new ErrorResponse(NoticeFields.of("FATAL", sqlState, message));
  }

  /** A FATAL error with a hint (the 'H' field: what to do about it). */
  public static ErrorResponse fatal(String sqlState, String message, String hint) {
    Map<Character, String> fields =
        new LinkedHashMap<>(NoticeFields.of("FATAL", sqlState, message));
    if (hint != null) {
      fields.put('H', hint);
    }
    return new ErrorResponse(fields);
  }

  /** An ERROR, which ends only the current statement. */
  public static ErrorResponse error(String sqlState, String message) {
    return new ErrorResponse(NoticeFields.of("ERROR", sqlState, message));
  }

  public static ErrorResponse decode(ByteBuf body) {
    return new ErrorResponse(NoticeFields.decode(body));
  }

  public String severity() {
    return fields.get('S');
  }

  public String sqlState() {
    return fields.get('C');
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
