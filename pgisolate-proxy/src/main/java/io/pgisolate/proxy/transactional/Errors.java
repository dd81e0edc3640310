package io.pgisolate.proxy.transactional;

import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.NoticeResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Errors and warnings the proxy gives a client in PostgreSQL's place.
 *
 * <p>An error the proxy decides on is raised by the server itself, from a DO block sent in place of
 * the client's statement ({@link #raise}): the server then fails the client's transaction, or its
 * implicit one, exactly as the refused statement would have, and the proxy needs no separate model
 * of what a failed statement does to the transaction.
 */
final class Errors {
  private Errors() {}

  /** SQLSTATE 25P01: COMMIT/ROLLBACK/SAVEPOINT outside a transaction block. */
  static final String NO_ACTIVE_SQL_TRANSACTION = "25P01";

  /** SQLSTATE 25001: BEGIN inside a transaction, VACUUM inside a transaction block. */
  static final String ACTIVE_SQL_TRANSACTION = "25001";

  /** SQLSTATE 42601: a test command with words it does not take. */
  static final String SYNTAX_ERROR = "42601";

  /** SQLSTATE 0A000. */
  static final String FEATURE_NOT_SUPPORTED = "0A000";

  /** A DO block that raises {@code message} with {@code sqlState} and {@code hint}. */
  static String raise(String sqlState, String message, String hint) {
    StringBuilder sql =
        new StringBuilder("DO $pgisolate$BEGIN RAISE EXCEPTION USING ERRCODE = ")
            .append(literal(sqlState))
            .append(", MESSAGE = ")
            .append(literal(message));
    if (hint != null) {
      sql.append(", HINT = ").append(literal(hint));
    }
    return sql.append("; END$pgisolate$").toString();
  }

  private static String literal(String text) {
    // Inside $pgisolate$ quoting only the literal's own quotes need doubling.
    return "'" + text.replace("$pgisolate$", "").replace("'", "''") + "'";
  }

  /** A WARNING as PostgreSQL sends it. */
  static NoticeResponse warning(String sqlState, String message) {
    return NoticeResponse.of("WARNING", sqlState, message);
  }

  /**
   * The server's error as the client must see it: the position moved from the text the proxy sent
   * to the client's own text; for the proxy's DO blocks, without their context and source lines.
   */
  static ErrorResponse forClient(ErrorResponse error, int positionOffset, boolean madeUp) {
    if (positionOffset == 0 && !madeUp) {
      return error;
    }
    Map<Character, String> fields = new LinkedHashMap<>(error.fields());
    if (madeUp) {
      fields.remove('W');
      fields.remove('F');
      fields.remove('L');
      fields.remove('R');
    }
    String position = fields.get('P');
    if (position != null && positionOffset != 0) {
      try {
        fields.put('P', Integer.toString(Integer.parseInt(position) + positionOffset));
      } catch (NumberFormatException e) {
        // Not a number: leave it as the server sent it.
      }
    }
    return new ErrorResponse(fields);
  }
}
