package io.pgisolate.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits SQL text into statements the way the server's lexer does (PostgreSQL docs, "Lexical
 * Structure"): at top-level semicolons, skipping string literals (standard, E'' and dollar-quoted),
 * quoted identifiers and comments (nested block comments too). In CREATE statements, semicolons
 * between BEGIN [ATOMIC] and END (SQL-standard function bodies) do not end the statement.
 * Statements made only of blanks and comments are dropped, as the server drops them: each statement
 * returned produces one command result.
 */
public final class SqlStatements {
  private SqlStatements() {}

  /** One statement: {@code [start, end)} in the text, without its semicolon. */
  public record Statement(String text, int start, int end) {
    public String sql() {
      return text.substring(start, end);
    }

    /** Its first {@code max} tokens (keywords upper-cased), comments and blanks skipped. */
    public List<Token> tokens(int max) {
      List<Token> tokens = new ArrayList<>(max);
      int i = start;
      while (tokens.size() < max) {
        i = skipBlanks(text, i, end);
        if (i >= end) {
          break;
        }
        int next = tokenEnd(text, i, end);
        tokens.add(Token.of(text.substring(i, next)));
        i = next;
      }
      return tokens;
    }
  }

  /**
   * A lexical token: a keyword or identifier (upper-cased in {@link #word}), a quoted identifier, a
   * string literal or a single other character.
   */
  public record Token(String raw, String word) {
    static Token of(String raw) {
      char c = raw.charAt(0);
      boolean isWord = Character.isLetter(c) || c == '_';
      return new Token(raw, isWord ? raw.toUpperCase(Locale.ROOT) : "");
    }

    public boolean is(String keyword) {
      return word.equals(keyword);
    }

    /** The value of a standard string literal ('it''s'), or null when this is not one. */
    public String stringValue() {
      if (raw.length() < 2 || raw.charAt(0) != '\'' || raw.charAt(raw.length() - 1) != '\'') {
        return null;
      }
      return raw.substring(1, raw.length() - 1).replace("''", "'");
    }

    /** An identifier as the server folds it: unquoted lower-cased, quoted taken literally. */
    public String identifier() {
      if (raw.length() >= 2 && raw.charAt(0) == '"') {
        return raw.substring(1, raw.length() - 1).replace("\"\"", "\"");
      }
      return raw.toLowerCase(Locale.ROOT);
    }
  }

  /** The statements of {@code sql}, in order; empty when it holds only blanks and comments. */
  public static List<Statement> split(String sql) {
    List<Statement> statements = new ArrayList<>();
    int n = sql.length();
    int i = 0;
    while (i < n) {
      int start = skipBlanks(sql, i, n);
      if (start >= n) {
        break;
      }
      if (sql.charAt(start) == ';') {
        i = start + 1;
        continue;
      }
      int end = endOfStatement(sql, start);
      statements.add(new Statement(sql, start, trimEnd(sql, start, end)));
      i = end + 1;
    }
    return statements;
  }

  /** Where the statement starting at {@code start} ends: its semicolon, or the end of text. */
  private static int endOfStatement(String sql, int start) {
    int n = sql.length();
    boolean create = startsWithWord(sql, start, "CREATE");
    int depth = 0;
    int parentheses = 0; // CREATE RULE's action list (a; b), as psql's lexer counts them
    int i = start;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == ';' && depth == 0 && parentheses == 0) {
        return i;
      } else if (c == '(') {
        parentheses++;
      } else if (c == ')' && parentheses > 0) {
        parentheses--;
      }
      int next = tokenEnd(sql, i, n);
      if (create && (Character.isLetter(c) || c == '_')) {
        String word = sql.substring(i, next).toUpperCase(Locale.ROOT);
        if (word.equals("BEGIN") || word.equals("CASE")) {
          depth++;
        } else if (word.equals("END") && depth > 0) {
          depth--;
        }
      }
      i = next;
    }
    return n;
  }

  /** Trailing blanks and comments are not part of a statement. */
  private static int trimEnd(String sql, int start, int end) {
    int last = start;
    int i = start;
    while (i < end) {
      int next = skipBlanks(sql, i, end);
      if (next >= end) {
        break;
      }
      i = tokenEnd(sql, next, end);
      last = i;
    }
    return last;
  }

  private static boolean startsWithWord(String sql, int i, String word) {
    return sql.regionMatches(true, i, word, 0, word.length())
        && (i + word.length() == sql.length() || !isWordChar(sql.charAt(i + word.length())));
  }

  /** Skips blanks and comments from {@code i}; returns the first other position (or limit). */
  static int skipBlanks(String sql, int i, int limit) {
    while (i < limit) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < limit && sql.charAt(i + 1) == '-') {
        int eol = sql.indexOf('\n', i);
        i = eol < 0 || eol > limit ? limit : eol + 1;
      } else if (c == '/' && i + 1 < limit && sql.charAt(i + 1) == '*') {
        i = blockCommentEnd(sql, i, limit);
      } else {
        return i;
      }
    }
    return limit;
  }

  /**
   * The end of the token starting at {@code i} (which is not a blank or a comment): a literal, a
   * quoted identifier, a word or number, or one character.
   */
  static int tokenEnd(String sql, int i, int limit) {
    char c = sql.charAt(i);
    if (c == '\'') {
      boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e');
      return quotedEnd(sql, i, limit, '\'', escapes);
    }
    if (c == '"') {
      return quotedEnd(sql, i, limit, '"', false);
    }
    if (c == '-' && i + 1 < limit && sql.charAt(i + 1) == '-') {
      return skipBlanks(sql, i, limit);
    }
    if (c == '/' && i + 1 < limit && sql.charAt(i + 1) == '*') {
      return blockCommentEnd(sql, i, limit);
    }
    if (c == '$') {
      int dollarQuoteEnd = dollarQuotedEnd(sql, i, limit);
      if (dollarQuoteEnd > i) {
        return dollarQuoteEnd;
      }
    }
    if (isWordChar(c)) {
      int j = i + 1;
      while (j < limit && (isWordChar(sql.charAt(j)) || sql.charAt(j) == '$')) {
        j++;
      }
      return j;
    }
    return i + 1;
  }

  private static int blockCommentEnd(String sql, int i, int limit) {
    int depth = 1;
    int j = i + 2;
    while (j < limit && depth > 0) {
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
    return Math.min(j, limit);
  }

  /** $tag$...$tag$ starting at {@code i}, or {@code i} when {@code $} starts no such quote. */
  private static int dollarQuotedEnd(String sql, int i, int limit) {
    int j = i + 1;
    while (j < limit && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
      j++;
    }
    if (j >= limit || sql.charAt(j) != '$' || (j > i + 1 && Character.isDigit(sql.charAt(i + 1)))) {
      return i;
    }
    String tag = sql.substring(i, j + 1);
    int close = sql.indexOf(tag, j + 1);
    return close < 0 || close + tag.length() > limit ? limit : close + tag.length();
  }

  private static int quotedEnd(String sql, int i, int limit, char quote, boolean escapes) {
    int j = i + 1;
    while (j < limit) {
      char c = sql.charAt(j);
      if (escapes && c == '\\') {
        j += 2;
      } else if (c == quote) {
        if (j + 1 < limit && sql.charAt(j + 1) == quote) {
          j += 2;
        } else {
          return j + 1;
        }
      } else {
        j++;
      }
    }
    return limit;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
