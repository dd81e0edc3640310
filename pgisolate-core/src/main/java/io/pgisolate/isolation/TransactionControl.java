package io.pgisolate.isolation;

import java.util.Locale;
import java.util.Optional;

/**
 * Finds statements that end or start a transaction (COMMIT, END, ROLLBACK, ABORT, BEGIN, START
 * TRANSACTION, PREPARE TRANSACTION) in SQL text, so that TRANSACTION isolation can refuse them
 * before they reach the server. Statements are split at top-level semicolons, skipping string
 * literals (standard, E'' and dollar-quoted), quoted identifiers and comments, as the server's
 * lexer does (PostgreSQL docs, "Lexical Structure"). Savepoint commands (SAVEPOINT, RELEASE,
 * ROLLBACK TO) are allowed: they nest inside the test's transaction.
 */
final class TransactionControl {
  private TransactionControl() {}

  /** The first offending statement's leading words (upper case), or empty when there is none. */
  static Optional<String> find(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      i = skipSpaceAndComments(sql, i);
      if (i >= n) {
        break;
      }
      String first = word(sql, i);
      int afterFirst = i + first.length();
      int secondAt = skipSpaceAndComments(sql, afterFirst);
      String second = word(sql, secondAt);
      String third = word(sql, skipSpaceAndComments(sql, secondAt + second.length()));
      String verdict =
          judge(
              first.toUpperCase(Locale.ROOT),
              second.toUpperCase(Locale.ROOT),
              third.toUpperCase(Locale.ROOT));
      if (verdict != null) {
        return Optional.of(verdict);
      }
      i = endOfStatement(sql, i, "CREATE".equalsIgnoreCase(first));
    }
    return Optional.empty();
  }

  private static String judge(String first, String second, String third) {
    switch (first) {
      case "COMMIT", "END", "ABORT", "BEGIN" -> {
        return first;
      }
      case "ROLLBACK" -> {
        // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name is a savepoint command.
        boolean toSavepoint =
            second.equals("TO")
                || ((second.equals("WORK") || second.equals("TRANSACTION")) && third.equals("TO"));
        return toSavepoint ? null : "ROLLBACK";
      }
      case "START", "PREPARE" -> {
        return second.equals("TRANSACTION") ? first + " TRANSACTION" : null;
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * Where the statement starting at {@code start} ends (after its semicolon). In CREATE statements,
   * semicolons between BEGIN [ATOMIC] and END (SQL-standard function bodies) do not end it.
   */
  private static int endOfStatement(String sql, int start, boolean create) {
    int depth = 0;
    int i = start;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == ';' && depth == 0) {
        return i + 1;
      }
      int skipped = skipToken(sql, i);
      if (skipped > i) {
        i = skipped;
        continue;
      }
      if (create && Character.isLetter(c) && (i == 0 || !isWordChar(sql.charAt(i - 1)))) {
        String w = word(sql, i).toUpperCase(Locale.ROOT);
        if (w.equals("BEGIN") || w.equals("CASE")) {
          depth++;
        } else if (w.equals("END") && depth > 0) {
          depth--;
        }
        i += Math.max(1, w.length());
        continue;
      }
      i++;
    }
    return n;
  }

  /** Skips a literal, quoted identifier or comment starting at {@code i}; returns i otherwise. */
  private static int skipToken(String sql, int i) {
    int n = sql.length();
    char c = sql.charAt(i);
    if (c == '\'') {
      boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e');
      return skipQuoted(sql, i, '\'', escapes);
    }
    if (c == '"') {
      return skipQuoted(sql, i, '"', false);
    }
    if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
      int eol = sql.indexOf('\n', i);
      return eol < 0 ? n : eol + 1;
    }
    if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
      int depth = 1;
      int j = i + 2;
      while (j < n && depth > 0) {
        if (sql.startsWith("/*", j)) {
          depth++;
          j += 2;
        } else if (sql.startsWith("*/", j)) {
          depth--;
          j += 2;
        } else {
          j++;
        }
      }
      return j;
    }
    if (c == '$' && (i == 0 || !isWordChar(sql.charAt(i - 1)))) {
      int j = i + 1;
      while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
        j++;
      }
      if (j < n && sql.charAt(j) == '$' && (j == i + 1 || !Character.isDigit(sql.charAt(i + 1)))) {
        String tag = sql.substring(i, j + 1);
        int close = sql.indexOf(tag, j + 1);
        return close < 0 ? n : close + tag.length();
      }
    }
    return i;
  }

  private static int skipQuoted(String sql, int i, char quote, boolean backslashEscapes) {
    int n = sql.length();
    int j = i + 1;
    while (j < n) {
      char c = sql.charAt(j);
      if (backslashEscapes && c == '\\') {
        j += 2;
      } else if (c == quote) {
        if (j + 1 < n && sql.charAt(j + 1) == quote) {
          j += 2;
        } else {
          return j + 1;
        }
      } else {
        j++;
      }
    }
    return n;
  }

  private static int skipSpaceAndComments(String sql, int i) {
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c) || c == ';' || c == '(') {
        i++;
      } else if (c == '-' || c == '/') {
        int skipped = skipToken(sql, i);
        if (skipped == i) {
          return i;
        }
        i = skipped;
      } else {
        return i;
      }
    }
    return i;
  }

  private static String word(String sql, int i) {
    int j = i;
    while (j < sql.length() && isWordChar(sql.charAt(j))) {
      j++;
    }
    return sql.substring(i, j);
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
