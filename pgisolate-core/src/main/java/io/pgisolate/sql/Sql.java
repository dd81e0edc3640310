package io.pgisolate.sql;

/** Quoting of identifiers and literals for the few statements pgisolate builds as text. */
public final class Sql {
  private Sql() {}

  /** Quotes an identifier the way PostgreSQL's quote_ident does, always adding the quotes. */
  public static String identifier(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("an SQL identifier must not be empty");
    }
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an SQL identifier must not contain a NUL character");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /**
   * Quotes a string literal for a standard_conforming_strings server (the default since 9.1): only
   * the quote character is special.
   */
  public static String literal(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an SQL literal must not contain a NUL character");
    }
    return '\'' + value.replace("'", "''") + '\'';
  }

  /**
   * "line L, column C" of an error position in {@code text}: the server counts characters (code
   * points) from 1 (ErrorResponse field 'P').
   */
  public static String lineAndColumn(String text, int position) {
    int line = 1;
    int column = 1;
    int[] codePoints = text.codePoints().limit(Math.max(0, position - 1L)).toArray();
    for (int cp : codePoints) {
      if (cp == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return "line " + line + ", column " + column;
  }
}
