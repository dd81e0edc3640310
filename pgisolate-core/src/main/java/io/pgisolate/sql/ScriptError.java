package io.pgisolate.sql;

import java.util.Optional;

/**
 * The one-line message of an SQL script whose statement failed: the script, the line and column (of
 * the error when the server located it, else of the failing statement), the server's message and
 * hint. Scripts run statement by statement, as psql runs them, which is what makes every error
 * locatable.
 */
public final class ScriptError {
  private ScriptError() {}

  /**
   * @param script names the script ("init script schema.sql")
   * @param statement the statement that failed
   * @param position the server's 1-based error position in the statement, if it gave one
   */
  public static String message(
      String script,
      SqlStatements.Statement statement,
      Optional<Integer> position,
      String error,
      Optional<String> hint) {
    String text = statement.text();
    int inStatement = position.filter(p -> p > 0).orElse(1);
    int offset;
    try {
      offset = text.offsetByCodePoints(statement.start(), inStatement - 1);
    } catch (IndexOutOfBoundsException e) {
      inStatement = 1; // a position past the text: point at the statement
      offset = statement.start();
    }
    int inText = text.codePointCount(0, statement.start()) + inStatement;
    boolean metaCommand = offset < text.length() && text.charAt(offset) == '\\';
    Optional<String> why =
        hint.or(
            () ->
                metaCommand
                    ? Optional.of(
                        "psql meta-commands (\\connect, \\i, \\copy, \\set…) are not SQL; the"
                            + " script runs on the server as SQL only")
                    : Optional.empty());
    return script
        + " failed at "
        + Sql.lineAndColumn(text, inText)
        + ": "
        + error
        + why.map(h -> ". Hint: " + h).orElse("")
        + ".";
  }
}
