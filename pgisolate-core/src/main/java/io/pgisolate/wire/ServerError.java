package io.pgisolate.wire;

import java.util.Map;
import java.util.Optional;

/**
 * The fields of a PostgreSQL ErrorResponse (protocol chapter "Error and Notice Message Fields").
 */
public record ServerError(Map<Character, String> fields) {

  public String severity() {
    return fields.getOrDefault('V', fields.getOrDefault('S', "ERROR"));
  }

  /** The SQLSTATE code, for example 57P03 (cannot_connect_now). */
  public String code() {
    return fields.getOrDefault('C', "");
  }

  public String message() {
    return fields.getOrDefault('M', "");
  }

  public Optional<String> detail() {
    return Optional.ofNullable(fields.get('D'));
  }

  public Optional<String> hint() {
    return Optional.ofNullable(fields.get('H'));
  }

  /** The 1-based character position of the error in the query text, when the server gave one. */
  public Optional<Integer> position() {
    return Optional.ofNullable(fields.get('P')).map(Integer::parseInt);
  }

  @Override
  public String toString() {
    return severity() + ": " + message() + " (SQLSTATE " + code() + ")";
  }
}
